# wijknet - handwritten Makefile.
#
#   make            build wijknetd and wijknet
#   make check      install missing Debian packages, build and briefly run
#                   the fuzz harnesses, then run every test,
#                   plainly and under AddressSanitizer + UBSan, and show
#                   that the canary test fails exactly the leak checks of
#                   any need-to-know filter that is disabled (make mutation)
#   make demo       install missing packages, build, run a small federation
#   make bench      benchmarks (ratios against a baseline of the same run)
#   make fuzz       libFuzzer harnesses (clang)
#   make install    PREFIX=/usr/local DESTDIR=: programs, man pages, the
#                   example config, the systemd unit and sysusers.d file
#   make uninstall  removes what install put (the same PREFIX and DESTDIR)
#   make lint       banned calls; the rooms of node/: which rooms' headers
#                   each room may include, in any spelling (tests/lint.sh),
#                   and, when $(BUILD) holds node/'s objects, which rooms'
#                   symbols each room's objects use (tests/lint_link.sh)
#
# V=1 shows the commands.  SANITIZE=address,undefined builds into build-san/.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/wijknet
SYSCONFDIR ?= /etc
# systemd reads units and sysusers.d files under /usr/local/lib too
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CC ?= cc
CFLAGS ?= -O2 -g
SANITIZE ?=

WARN := -std=c11 -Wall -Wextra -Werror -Wvla -Wstrict-prototypes \
	-Wformat-security -Wwrite-strings -fno-common -Wshadow \
	-Wmissing-prototypes -Wno-missing-field-initializers
# gcc's snprintf truncation warning; clang (make fuzz) has no such option
WARN += $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-Wno-format-truncation)
CPPFLAGS += -D_GNU_SOURCE -DSQLITE_HAS_CODEC -I.
LIBS := -lsqlcipher -lnng -lmbedtls -lmbedx509 -lmbedcrypto -lcbor -lsodium -lutf8proc -lcurl -lpthread

ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build-san
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# libcurl4-openssl-dev: the alerts' mail (node/alert/mail.c, libcurl's SMTP
# with STARTTLS); the OpenSSL flavour, whose runtime (libcurl4) Debian
# installs with curl, and whose TLS is the openssl the certificates use;
# python3-aiosmtpd: the SMTP server of tests/integration/test_alert_mail.sh
DEPS_PKGS := gcc make pkg-config openssl sqlcipher python3 libsodium-dev libnng-dev libmbedtls-dev \
	libsqlcipher-dev libcbor-dev libcmocka-dev libutf8proc-dev libcurl4-openssl-dev \
	python3-aiosmtpd systemd man-db groff-base

crypto_src := $(sort $(wildcard crypto/*.c))
config_src := $(sort $(wildcard config/*.c))
proto_src := $(sort $(wildcard protocol/*.c))
# node/ is in rooms, one folder per concern (ARCHITECTURE.md)
node_src := $(filter-out node/daemon/main.c,$(sort $(wildcard node/*/*.c)))
cli_src := $(sort $(wildcard cli/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
lib_obj := $(call obj,$(node_src) $(proto_src) $(config_src) $(crypto_src))
cli_lib_obj := $(call obj,$(proto_src) $(config_src) $(crypto_src))

unit_src := $(sort $(wildcard tests/*/test_*.c))
unit_bin := $(patsubst %.c,$(BUILD)/%,$(unit_src))
fuzz_src := $(sort $(wildcard tests/fuzz/fuzz_*.c))
replay_bin := $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/tests/fuzz/replay_%,$(fuzz_src))
tool_src := $(sort $(wildcard tests/tools/*.c))
tool_bin := $(patsubst %.c,$(BUILD)/%,$(tool_src))
bench_src := $(sort $(wildcard tests/bench/bench_*.c))
bench_bin := $(patsubst %.c,$(BUILD)/%,$(bench_src))

.PHONY: all deps check check-plain check-sanitize test demo bench fuzz mutation \
	install uninstall lint clean
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BUILD)/wijknetd $(BUILD)/wijknet

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libwn.a: $(lib_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libwncli.a: $(cli_lib_obj)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/wijknetd: $(BUILD)/node/daemon/main.o $(BUILD)/libwn.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The CLI links protocol, config and crypto helpers only: never the store.
$(BUILD)/wijknet: $(call obj,$(cli_src)) $(BUILD)/libwncli.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lnng -lcbor -lsodium -lutf8proc -lpthread

# The tests' daemon: the same objects, with main.c built with WN_TEST_HOOKS
# (its hooks: WIJKNET_TEST_KEEP_CORES keeps core dumps, so a crashed
# daemon's stacks can be shown; and it turns on the WIJKNET_TEST_* timing
# hooks, node_test_ms). The installed wijknetd never reads them.
$(BUILD)/tests/daemon_main.o: node/daemon/main.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (tests' build)")
	$(Q)$(CC) $(CPPFLAGS) -DWN_TEST_HOOKS $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/wijknetd: $(BUILD)/tests/daemon_main.o $(BUILD)/libwn.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libwn.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBS)

# the CLI's unit tests link the CLI file they test (cli/ is not in libwn)
$(BUILD)/tests/cli/test_table: $(BUILD)/tests/cli/test_table.o $(BUILD)/cli/table.o $(BUILD)/cli/print.o $(BUILD)/libwn.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBS)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/libwn.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

test: all $(unit_bin) $(replay_bin) $(tool_bin) $(BUILD)/tests/wijknetd
	$(Q)BUILD=$(BUILD) bash tests/run.sh

deps:
	@bash tests/deps.sh $(DEPS_PKGS)

# mutation first, so that the last line is the suite's count; the rooms'
# link check once the plain build is there (a clean clone has none before)
# (the builds use every core: JOBS, by default nproc; the tests run several
# at a time, tests/run.sh). Each phase says how long it took.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps lint
	@mkdir -p $(FUZZ_BUILD)
	@t=$$(date +%s); $(MAKE) --no-print-directory -j$(JOBS) fuzz FUZZ_SECONDS=5 >$(FUZZ_BUILD)/run.log 2>&1 || \
		{ tail -30 $(FUZZ_BUILD)/run.log; echo "fuzz: the harnesses do not build or run with clang"; exit 1; }; \
		echo "fuzz: every harness builds with clang and ran 5 s ($$(( $$(date +%s) - t )) s)"
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) mutation
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) test
	@BUILD=$(BUILD) bash tests/lint_link.sh
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) test SANITIZE=address,undefined

check-sanitize: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) test SANITIZE=address,undefined

demo: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all $(BUILD)/tests/tools/keydump \
		$(BUILD)/tests/tools/capopen
	$(Q)BUILD=$(BUILD) bash tests/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(bench_bin) CFLAGS="-O2 -g"
	$(Q)BUILD=$(BUILD) bash tests/bench/run.sh

# The canary test passes as built, and with any one of the four need-to-know
# filters (matrix, membership, consent, decision) disabled it fails exactly
# that filter's leak checks (tests/mutation.expect; tests/mutation.sh).
mutation: deps all $(BUILD)/tests/wijknetd $(BUILD)/tests/tools/wnpoke $(BUILD)/tests/tools/keydump
	$(Q)for m in 1 2 3 4; do \
		$(MAKE) --no-print-directory BUILD=build-mut$$m CPPFLAGS="$(CPPFLAGS) -DWN_MUTATE=$$m" \
			build-mut$$m/wijknetd build-mut$$m/tests/wijknetd build-mut$$m/wijknet build-mut$$m/tests/tools/wnpoke \
			build-mut$$m/tests/tools/keydump >/dev/null || exit 1; \
	done
	$(Q)BUILD=$(BUILD) bash tests/mutation.sh

# New inputs go to build-fuzz/corpus/NAME; the committed corpus in
# tests/fuzz/corpus/NAME seeds each run and is replayed by make check.
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	@bash tests/deps.sh clang libclang-rt-14-dev
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BUILD)/libwn.a BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined"
	$(Q)for f in $(fuzz_src); do n=$$(basename $$f .c); \
		clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $(FUZZ_BUILD)/$$n $$f \
			$(FUZZ_BUILD)/libwn.a $(LIBS) || exit 1; \
		mkdir -p $(FUZZ_BUILD)/corpus/$${n#fuzz_}; \
		$(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -rss_limit_mb=512 \
			$(FUZZ_BUILD)/corpus/$${n#fuzz_} tests/fuzz/corpus/$${n#fuzz_} || exit 1; done

# The unit runs $(BINDIR)/wijknetd and reads the passphrase from
# $(SYSCONFDIR)/wijknet/passphrase (a credential); install makes that folder.
INSTALLED := $(BINDIR)/wijknetd $(BINDIR)/wijknet $(MANDIR)/man1/wijknet.1 \
	$(MANDIR)/man5/wijknet.conf.5 $(MANDIR)/man8/wijknetd.8 \
	$(DOCDIR)/wijknet.conf.example $(UNITDIR)/wijknetd.service \
	$(SYSUSERSDIR)/wijknet.conf

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/wijknet
	install -m 0755 $(BUILD)/wijknetd $(BUILD)/wijknet $(DESTDIR)$(BINDIR)/
	install -m 0644 cli/wijknet.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 config/wijknet.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 node/wijknetd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 config/wijknet.conf.example $(DESTDIR)$(DOCDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/wijknetd.service.in >$(DESTDIR)$(UNITDIR)/wijknetd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/wijknetd.service
	install -m 0644 dist/wijknet.sysusers $(DESTDIR)$(SYSUSERSDIR)/wijknet.conf

# The folders are left when something else is in them (a passphrase, a
# certificate): only what install put goes.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/wijknet 2>/dev/null || :

lint:
	@bash tests/lint.sh
	@if ls $(BUILD)/node/core/*.o >/dev/null 2>&1; then BUILD=$(BUILD) bash tests/lint_link.sh; \
	else echo "lint: no build in $(BUILD)/, the link check of the rooms skipped (make, then make lint)"; fi

clean:
	rm -rf build build-san build-fuzz build-mut1 build-mut2 build-mut3 build-mut4

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
