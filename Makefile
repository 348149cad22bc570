# The two commands of the README, plus the benchmark.
#   make train   train on Penn Treebank with the paper's configuration
#   make test    run the test suite (installs OpenBLAS first when missing)
#   make bench   Swift vs PyTorch on the same CPU (needs a venv with torch, see scripts/bench/)

SWIFT ?= swift
DATA ?= $(if $(AWDLSTM_DATA),$(AWDLSTM_DATA),../shared/data)
RUN ?= runs/ptb
BIN = .build/release/awd-lstm
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build train test bench clean

deps:
	@if [ "$$(uname)" = Linux ] && ! dpkg -s libopenblas-dev >/dev/null 2>&1; then \
		echo "installing libopenblas-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libopenblas-dev; \
	fi

build: deps
	$(SWIFT) build -c release

# PTB from the shared data folder when present, else downloaded into data/ptb.
train: build
	@if [ -f "$(DATA)/ptb/train.txt" ]; then d="$(DATA)/ptb"; else $(BIN) download ptb --to data/ptb && d=data/ptb; fi; \
	$(BIN) train --data "$$d" --batch-size 20 --dropouti 0.4 --dropouth 0.25 --seed 141 --epochs 500 --save $(RUN) $(ARGS)

test: deps
	$(SWIFT) test -c release

bench: build
	scripts/bench/compare.sh

clean:
	rm -rf .build
