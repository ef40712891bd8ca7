#!/usr/bin/env python3
"""gen_protocol_vectors.py: request/response vectors for the awsJson and
restJson1 codec tests, made with botocore's own serializer and parser.

For each case, tests/vectors/protocol/json/<case>/ holds:
  service, operation   the botocore service folder and operation name
  method, path, query  the request line botocore would send (path still
                       percent-encoded, query raw without '?')
  headers              "Name: value" lines botocore set
  body                 the raw request body
  input.json           the internal form the decoder must produce
  output.json          (optional) an internal form for the encoder
  response.json        the wire JSON body that output.json must encode to;
                       this script checks botocore parses it back into
                       the same values (so the bytes are what SDKs expect)

Run from the repo root: python3 tools/gen_protocol_vectors.py
"""
import base64
import datetime
import json
import os
import sys

import botocore.parsers
import botocore.serialize
import botocore.session
from botocore.utils import percent_encode_sequence

OUT = os.path.join('tests', 'vectors', 'protocol', 'json')
SESSION = botocore.session.get_session()


def to_internal(shape, value):
    """Python params -> the internal form (model member names, epoch
    timestamps, base64 blobs)."""
    t = shape.type_name
    if t == 'structure':
        return {k: to_internal(shape.members[k], v) for k, v in value.items()}
    if t == 'list':
        return [to_internal(shape.member, v) for v in value]
    if t == 'map':
        return {k: to_internal(shape.value, v) for k, v in value.items()}
    if t == 'timestamp':
        ts = value.timestamp()
        return int(ts) if ts == int(ts) else ts
    if t == 'blob':
        return base64.b64encode(value).decode()
    if t in ('float', 'double'):
        return float(value)
    return value


def to_wire(shape, value, top=False):
    """Internal form -> wire JSON body (locationName keys, epoch numbers)."""
    t = shape.type_name
    if t == 'structure':
        out = {}
        for k, v in value.items():
            m = shape.members[k]
            if top and m.serialization.get('location'):
                continue
            out[m.serialization.get('name', k)] = to_wire(m, v)
        return out
    if t == 'list':
        return [to_wire(shape.member, v) for v in value]
    if t == 'map':
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    return value


def from_internal(shape, value):
    """Internal form -> the Python values botocore's parser yields."""
    t = shape.type_name
    if t == 'structure':
        return {k: from_internal(shape.members[k], v) for k, v in value.items()}
    if t == 'list':
        return [from_internal(shape.member, v) for v in value]
    if t == 'map':
        return {k: from_internal(shape.value, v) for k, v in value.items()}
    if t == 'timestamp':
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if t == 'blob':
        return base64.b64decode(value)
    return value


def write_case(name, service, op_name, params, output=None, status=200):
    model = SESSION.get_service_model(service)
    op = model.operation_model(op_name)
    ser = botocore.serialize.create_serializer(model.metadata['protocol'], include_validation=True)
    req = ser.serialize_to_request(params, op)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    body = req['body']
    if isinstance(body, str):
        body = body.encode()
    # the encoding botocore applies when it prepares the request
    query = percent_encode_sequence(req['query_string']) if req['query_string'] else ''
    path = req['url_path']
    if '?' in path:
        path, extra = path.split('?', 1)
        query = extra + ('&' + query if query else '')
    files = {
        'service': service, 'operation': op_name, 'method': req['method'],
        'path': path, 'query': query,
        'headers': ''.join(f'{k}: {v}\n' for k, v in req['headers'].items()),
    }
    for fname, text in files.items():
        with open(os.path.join(d, fname), 'w') as f:
            f.write(text)
    with open(os.path.join(d, 'body'), 'wb') as f:
        f.write(body or b'')
    with open(os.path.join(d, 'input.json'), 'w') as f:
        json.dump(to_internal(op.input_shape, params), f, indent=1, sort_keys=True)
    if output is None:
        return
    out_shape = op.output_shape
    wire = to_wire(out_shape, output, top=True)
    with open(os.path.join(d, 'output.json'), 'w') as f:
        json.dump(output, f, indent=1, sort_keys=True)
    with open(os.path.join(d, 'response.json'), 'w') as f:
        json.dump(wire, f, indent=1, sort_keys=True)
    # botocore must read the wire body back into the same values
    parser = botocore.parsers.create_parser(model.metadata['protocol'])
    parsed = parser.parse({'status_code': status, 'headers': {},
                           'body': json.dumps(wire).encode()}, out_shape)
    parsed.pop('ResponseMetadata', None)
    want = from_internal(out_shape, output)
    if parsed != want:
        sys.exit(f'{name}: botocore parsed {parsed!r}, want {want!r}')


def check_error(protocol, headers, body, code, message):
    parser = botocore.parsers.create_parser(protocol)
    parsed = parser.parse({'status_code': 400, 'headers': headers, 'body': body}, None)
    got = (parsed['Error']['Code'], parsed['Error']['Message'])
    if got != (code, message):
        sys.exit(f'error format for {protocol}: botocore read {got!r}')


def main():
    t0 = datetime.datetime(2015, 1, 25, 8, 0, 0, tzinfo=datetime.timezone.utc)
    # whole seconds: botocore's awsJson/restJson serializers truncate to int
    t1 = datetime.datetime(2015, 1, 26, 8, 0, 0, tzinfo=datetime.timezone.utc)
    write_case('kms_encrypt', 'kms', 'Encrypt',
               {'KeyId': 'alias/app', 'Plaintext': b'secret \x00\xff',
                'EncryptionContext': {'purpose': 'test', 'tenant': 'a'}},
               output={'CiphertextBlob': base64.b64encode(b'\x01\x02\x03').decode(),
                       'KeyId': 'arn:aws:kms:us-east-1:111122223333:key/k1',
                       'EncryptionAlgorithm': 'SYMMETRIC_DEFAULT'})
    write_case('kms_createkey', 'kms', 'CreateKey',
               {'Description': 'caf\u00e9 key', 'KeySpec': 'SYMMETRIC_DEFAULT',
                'Tags': [{'TagKey': 'env', 'TagValue': 'prod'},
                         {'TagKey': 'team', 'TagValue': ''}]},
               output={'KeyMetadata': {'KeyId': 'k1', 'CreationDate': 1422172800.5,
                                       'Enabled': True, 'KeyState': 'Enabled',
                                       'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT']}})
    write_case('kms_listkeys', 'kms', 'ListKeys', {},
               output={'Keys': [{'KeyId': 'k1', 'KeyArn': 'arn:k1'}], 'Truncated': False})
    write_case('cloudtrail_lookupevents', 'cloudtrail', 'LookupEvents',
               {'StartTime': t0, 'EndTime': t1, 'MaxResults': 5,
                'LookupAttributes': [{'AttributeKey': 'EventName',
                                      'AttributeValue': 'CreateKey'}]},
               output={'Events': [{'EventId': 'e1', 'EventTime': 1422172800,
                                   'Resources': [{'ResourceName': 'k1'}]}]})
    write_case('guardduty_createdetector', 'guardduty', 'CreateDetector',
               {'Enable': True, 'FindingPublishingFrequency': 'FIFTEEN_MINUTES',
                'Tags': {'env': 'prod'}},
               output={'DetectorId': '12abc34d567e8fa901bc2d34e56789f0'})
    write_case('guardduty_listfindings', 'guardduty', 'ListFindings',
               {'DetectorId': '12abc34d', 'MaxResults': 10,
                'FindingCriteria': {'Criterion': {
                    'severity': {'Gte': 4}, 'type': {'Eq': ['Recon:EC2/PortProbeUnprotectedPort']},
                    'service.archived': {'Equals': ['false']}}},
                'SortCriteria': {'AttributeName': 'severity', 'OrderBy': 'DESC'}},
               output={'FindingIds': ['f1', 'f2'], 'NextToken': 'n'})
    write_case('guardduty_getfindings', 'guardduty', 'GetFindings',
               {'DetectorId': '12abc34d', 'FindingIds': ['f1']},
               output={'Findings': [{'AccountId': '111122223333', 'Arn': 'arn:f1',
                                     'CreatedAt': '2015-01-25T08:00:00.000Z', 'Id': 'f1',
                                     'Region': 'us-east-1', 'SchemaVersion': '2.0',
                                     'Severity': 5.0, 'Type': 'Recon:EC2/Portscan',
                                     'UpdatedAt': '2015-01-25T08:00:00.000Z',
                                     'Resource': {'ResourceType': 'Instance'}}]})
    write_case('securityhub_batchimportfindings', 'securityhub', 'BatchImportFindings',
               {'Findings': [{
                   'SchemaVersion': '2018-10-08', 'Id': 'f1', 'ProductArn': 'arn:p',
                   'GeneratorId': 'g', 'AwsAccountId': '111122223333',
                   'Types': ['Software and Configuration Checks'],
                   'CreatedAt': '2015-01-25T08:00:00Z', 'UpdatedAt': '2015-01-25T08:00:00Z',
                   'Severity': {'Label': 'HIGH', 'Normalized': 70},
                   'Title': 't', 'Description': 'd',
                   'Resources': [{'Type': 'AwsEc2Instance', 'Id': 'i-1',
                                  'Details': {'AwsEc2Instance': {'Type': 't3.micro',
                                                                 'IpV4Addresses': ['10.0.0.1']}}}]}]},
               output={'FailedCount': 0, 'SuccessCount': 1, 'FailedFindings': []})
    write_case('inspector2_listfindings', 'inspector2', 'ListFindings',
               {'maxResults': 5, 'filterCriteria': {
                   'severity': [{'comparison': 'EQUALS', 'value': 'HIGH'}],
                   'firstObservedAt': [{'startInclusive': t0, 'endInclusive': t1}]}},
               output={'findings': [], 'nextToken': 't'})
    write_case('inspector2_untagresource', 'inspector2', 'UntagResource',
               {'resourceArn': 'arn:aws:inspector2:us-east-1:1:filter/a b', 'tagKeys': ['a', 'b=c']})
    # the error bodies the codecs emit must read back exactly
    check_error('json', {}, b'{"__type":"NotFoundException","message":"Key k is gone"}',
                'NotFoundException', 'Key k is gone')
    check_error('rest-json', {'x-amzn-errortype': 'BadRequestException'},
                b'{"__type":"BadRequestException","message":"bad"}',
                'BadRequestException', 'bad')


if __name__ == '__main__':
    main()
