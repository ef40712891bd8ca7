# The two set-up commands of the README, and the model generator.
#   make run    build a release binary and serve on 127.0.0.1:4566 (./data)
#   make test   build under ASan + UBSan and run every test with ctest
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:4566
DATA ?= ./data

.PHONY: all build run test test-build models clean

all: build

build:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
	cmake --build build -j $(JOBS)

run: build
	./build/bulwark serve --listen $(LISTEN) --data-dir $(DATA)

test-build:
	CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DBW_SANITIZE=ON -DBW_WERROR=ON
	cmake --build build-test -j $(JOBS)

test: test-build
	ctest --test-dir build-test --output-on-failure -j $(JOBS)

models:
	python3 tools/gen_models.py

clean:
	rm -rf build build-test
