# The two commands of the README, plus the benchmark.
#   make train   train on Penn Treebank with the paper's configuration
#   make test    run the test suite (installs OpenBLAS first when missing)
#   make bench   Swift vs PyTorch on the same CPU (needs a venv with torch, see scripts/bench/)
#   make fuzz    libFuzzer on the safetensors and corpus readers, FUZZ_SECONDS each, one core
#   make install the release binary to $(PREFIX)/bin (PREFIX=/usr/local by default)

SWIFT ?= swift
DATA ?= $(if $(AWDLSTM_DATA),$(AWDLSTM_DATA),../shared/data)
RUN ?= runs/ptb
BIN = .build/release/awd-lstm
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: deps build install train test bench fuzz clean

deps:
	@if [ "$$(uname)" = Linux ] && ! dpkg -s libopenblas-dev >/dev/null 2>&1; then \
		echo "installing libopenblas-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libopenblas-dev; \
	fi

build: deps
	$(SWIFT) build -c release

# The release binary as awd-lstm on the PATH, so that the commands the tool
# prints (`awd-lstm train --resume …`) paste as they are. A PREFIX the user
# cannot write (the default /usr/local) needs `sudo make install`; building
# stays the user's: run `make build` first, as yourself.
install:
	@[ -x $(BIN) ] || $(MAKE) --no-print-directory build
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/awd-lstm"

# PTB from the shared data folder when present, else downloaded into data/ptb.
# The environment is passed on as it is: a machine that pins OPENBLAS_CORETYPE
# does so for a reason, and the tool picks the best core itself when it is unset.
train: build
	@if [ -f "$(DATA)/ptb/train.txt" ]; then d="$(DATA)/ptb"; else $(BIN) download ptb --to data/ptb && d=data/ptb; fi; \
	$(BIN) train --data "$$d" --batch-size 20 --dropouti 0.4 --dropouth 0.25 --seed 141 --epochs 500 --save $(RUN) $(ARGS)

# The exit status is swift test's; the tests it skipped (no AWDLSTM_DATA, no
# Python with torch, no mpirun, …) are listed after it with their reasons.
# TESTS=Name runs those matching --filter Name.
test: deps
	@mkdir -p .build
	@{ $(SWIFT) test -c release --disable-swift-testing $(if $(TESTS),--filter $(TESTS)) 2>&1; echo $$? >.build/test.status; } \
		| tee .build/test.log
	@scripts/skipped-tests.sh .build/test.log
	@exit $$(cat .build/test.status)

bench: build
	scripts/bench/compare.sh

# Fuzzing with libFuzzer and AddressSanitizer, one target after the other on one
# core (`make fuzz-FuzzCorpus` runs one). Each target keeps its corpus in
# .build-fuzz/corpus-TARGET (seeded from Tests/Fuzz/TARGET/, and Tests/Fixtures/
# for safetensors), its log in .build-fuzz/TARGET.log and a crashing input in
# .build-fuzz/TARGET-crash-*. A plain build of a target replays inputs without
# the sanitizers: swift run FuzzCorpus FILE-OR-FOLDER...
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= FuzzSafeTensors FuzzCorpus
FUZZ_FLAGS ?=
FUZZ_SEEDS_FuzzSafeTensors = Tests/Fixtures/*.safetensors

fuzz: deps
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory fuzz-$$t || exit 1; done

fuzz-%: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product $*
	@mkdir -p .build-fuzz/corpus-$* && cp Tests/Fuzz/$*/* $(FUZZ_SEEDS_$*) .build-fuzz/corpus-$*/
	@echo "== $* for $(FUZZ_SECONDS) s"
	@{ SWIFT_BACKTRACE=enable=no .build-fuzz/release/$* -max_total_time=$(FUZZ_SECONDS) \
		-dict=Tests/Fuzz/$*.dict -artifact_prefix=.build-fuzz/$*- -print_final_stats=1 \
		$(FUZZ_FLAGS) .build-fuzz/corpus-$* 2>&1; echo $$? >.build-fuzz/$*.status; } | tee .build-fuzz/$*.log
	@[ "$$(cat .build-fuzz/$*.status)" = 0 ] || { echo "$*: crash, see .build-fuzz/$*.log"; exit 1; }

clean:
	rm -rf .build .build-fuzz
