/*
 * tick.c: bw_trail_tick, the trails' periodic work on the real event log.
 * Apart from delivery.c so that what it links (store/events.h) is needed
 * only by the server, not by everything that uses the trail engine.
 */
#include "services/cloudtrail/trails.h"
#include "store/events.h"
#include "trail/trail.h"

static int s_newest_before(struct bw_store *store, int64_t before_ms, uint64_t *seq)
{
	if (before_ms <= 0) {
		*seq = 0;
		return 0;
	}
	struct bw_event_query q = {.attr = BW_EVENT_ATTR_NONE, .end_ms = before_ms, .limit = 1};
	json_t *rows = NULL;
	bool more = false;
	if (bw_events_lookup(store, &q, &rows, &more) != 0)
		return -1;
	*seq = (uint64_t)json_integer_value(json_object_get(json_array_get(rows, 0), "seq"));
	json_decref(rows);
	return 0;
}

void bw_trail_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s)
{
	static const struct bw_trail_source s_src = {.range = bw_events_range,
	                                             .newest_before = s_newest_before};
	bw_trail_run(store, rk, now_s, &s_src);
}
