# portlab - one Makefile for every demo.
#
#   make              build bin/<demo>-<program> for each demos/<demo>/<program>.c
#   make test         the fast proof: every lesson, transcript, hostile-input basic and
#                     exercise checker (fetches pinned bats-support/bats-assert if missing)
#   make test-all     the whole suite, the exhaustive proofs too (what CI runs)
#   make check        build with AddressSanitizer + UBSan into build/check/ and run the suite there
#   make demo         the guided tour (DEMO=same-port: one lesson; STEP=1: pause before each step)
#   make exercises    list the exercises; make exercise E=NAME checks one
#   make classroom    the tour across two hosts on one machine (root: network namespaces)
#   make lint         shellcheck every script
#   make analyze      cppcheck and clang-tidy over the C sources: no findings
#   make valgrind     every demo pair under valgrind memcheck: no errors, no leaks
#   make fuzz         libFuzzer over the parsers (make fuzz-smoke: the short CI run)
#   make bench        the load benchmark against socat (results in docs/benchmark.md)
#   make install      install the programs, lessons and tour (PREFIX, DESTDIR, BINDIR...)
#   make uninstall    remove what make install put there
#   make dist         a release tarball portlab-RELEASE.tar.gz (RELEASE: below)
#   make deb          a Debian package portlab_RELEASE_ARCH.deb (dpkg-deb alone)
#   make macos        cross-compile for macOS (arm64, x86_64) with a pinned zig cc
#   make clean        remove bin/ and build/
#   CC=clang make     any C11 compiler with gcc-style flags works

CC      ?= cc
BUILD   ?= build/release
BIN     ?= bin
SAN     ?=
CFLAGS  ?= -O2 -g
WERROR  := -Werror
STRICT  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic $(WERROR)
ifeq ($(SAN),1)
  CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif
# Each object's header dependencies, in a .d file beside it: -MMD -MP with
# gcc and clang (musl-gcc too). tcc knows only -MD: the same list, less the
# empty rules -MP adds for each header (after deleting a header, a tcc build
# folder wants make clean).
DEPFLAGS := -MMD -MP
ifneq ($(findstring tcc,$(notdir $(firstword $(CC)))),)
  DEPFLAGS := -MD
endif
ALL_CFLAGS = $(STRICT) $(CFLAGS) -Icommon -I$(BUILD) $(DEPFLAGS)

# The release this tree is: raised by hand when a release is made.
RELEASE := 0.3.0
# The version every program's --version prints: a release tarball's VERSION
# file; else, built from git, the release and the commit after it
# ("0.3.0 (git b076ac4)", "-dirty" when the tree has changes not committed);
# else the release alone. build/.../version.h is rewritten only when it
# changes, so a new commit rebuilds just what includes it.
GIT_COMMIT = $(shell git describe --always --abbrev=7 --exclude='*' $(1) 2>/dev/null)
VERSION := $(shell cat VERSION 2>/dev/null)
ifeq ($(VERSION),)
  VERSION := $(RELEASE)$(if $(call GIT_COMMIT,--dirty), (git $(call GIT_COMMIT,--dirty)))
endif
# The same header names the folder of the lessons, which programs cite in
# their why: lines: docs (the source tree's) unless make install says where
# it puts them.
LESSONS ?= docs
VERSION_H := $(BUILD)/version.h
VERSION_H_TEXT := \#define PORTLAB_VERSION "$(VERSION)"\n\#define PORTLAB_LESSONS "$(LESSONS)"
$(shell mkdir -p $(BUILD) && printf '$(VERSION_H_TEXT)\n' | cmp -s - $(VERSION_H) || printf '$(VERSION_H_TEXT)\n' >$(VERSION_H))

DEMOS   := $(patsubst demos/%/server.c,%,$(wildcard demos/*/server.c))
# Every demos/<demo>/<program>.c is a program: bin/<demo>-<program>
# (server.c and client.c always; a demo may have a third, e.g. a directory).
# A demo's own helper - demos/<demo>/NAME.c with a NAME.h beside it, like
# demos/rendezvous/rendezvous.c - is not a program: it is linked into that demo's
# programs, and into the fuzz targets. common/ holds what two demos use.
DEMO_HELPERS := $(foreach h,$(wildcard demos/*/*.h),$(wildcard $(h:.h=.c)))
DEMO_HEADERS := $(wildcard demos/*/*.h)
PROG_SRC := $(filter-out $(DEMO_HELPERS),$(wildcard demos/*/*.c))
prog_name = $(BIN)/$(word 2,$(subst /, ,$(1)))-$(basename $(notdir $(1)))
PROGS   := $(foreach src,$(PROG_SRC),$(call prog_name,$(src)))
LIB_SRC := $(wildcard common/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libportlab.a

.PHONY: all test test-all run-tests check exercises exercise install uninstall dist deb demo classroom lint analyze valgrind fuzz fuzz-smoke bench macos clean
all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^ # anew: a renamed source leaves no stale member

define PROG_RULE
$(call prog_name,$(1)): $(BUILD)/$(1:.c=.o) $(patsubst %.c,$(BUILD)/%.o,$(filter $(dir $(1))%,$(DEMO_HELPERS))) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^
endef
$(foreach src,$(PROG_SRC),$(eval $(call PROG_RULE,$(src))))

# Test tools (not lessons): a misbehaving client for the hardening tests and
# the benchmark. Always built plainly, whatever SAN says.
POKE := build/tools/poke
$(POKE): tests/tools/poke.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -O2 -o $@ $<

NOBIND := build/tools/nobind
$(NOBIND): tests/tools/nobind.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -o $@ $<

NOSOCKET := build/tools/nosocket
$(NOSOCKET): tests/tools/nosocket.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -o $@ $<

STEAL := build/tools/steal
$(STEAL): tests/tools/steal.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -o $@ $<

# The kernel's word on a program's bind(), connect() and sends, for the
# exercise checkers (ptrace: Linux alone). Built as the programs are
# (make exercise: -O0, built each check).
CALLS := build/tools/calls
$(CALLS): tests/tools/calls.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Wpedantic $(WERROR) $(CFLAGS) -o $@ $<

# One loop over several named sockets (common/serve.h), on its own.
SERVESET := build/tools/serveset
$(SERVESET): tests/tools/serveset.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(STRICT) -O2 -Icommon -I$(BUILD) -o $@ $< $(LIB)

# Keep objects around so that a rebuild touches only what changed.
.SECONDARY:

# The suite ends everything it started when it stops, however it stops; a
# parent-death signal (setpriv, util-linux) tells it when make itself does.
PDEATH := $(shell setpriv --pdeathsig TERM true 2>/dev/null && echo setpriv --pdeathsig TERM)

# make test leaves out the tests tagged `# bats test_tags=exhaustive` (a
# property proved by running whole programs many times, or by waiting out a
# timing window); make test-all runs them too.
TEST_TOOLS := $(POKE) $(NOBIND) $(NOSOCKET) $(SERVESET) $(STEAL) $(CALLS)
test: all $(TEST_TOOLS)
	@$(PDEATH) tests/run-bats --fast tests

test-all: all $(TEST_TOOLS)
	@$(PDEATH) tests/run-bats tests

# Only the Bats files named in TESTS, with nothing built first (for the
# harness's own test of a stopped run).
run-tests:
	@$(PDEATH) tests/run-bats $(TESTS)

# Sanitized programs start several times slower: every bounded wait gets 15 s.
check: $(TEST_TOOLS)
	$(MAKE) --no-print-directory BUILD=build/check BIN=build/check/bin SAN=1 all
	@PORTLAB_WAIT_SECONDS=$${PORTLAB_WAIT_SECONDS:-15} PORTLAB_BIN=$(CURDIR)/build/check/bin $(PDEATH) tests/run-bats tests

# The programs are built first, quietly (one line says so; errors still show).
# STEP=1: pause before each step (on a terminal).
QUIET_BUILD = @$(MAKE) -q --no-print-directory all 2>/dev/null || { echo "make: building the programs first (quietly: make -s)"; \
	$(MAKE) -s --no-print-directory all; }
TOUR_STEP = $(if $(filter-out 0,$(STEP)),--step)
demo:
	$(QUIET_BUILD)
	@demos/tour.sh $(TOUR_STEP) $(DEMO)

# Exercises: a student changes a demo, the checker says what still falls short.
exercises:
	@tests/exercises/run list

# The check builds what it runs itself, from the committed tree and the
# exercise's one file (tests/exercises/run); mid-exercise, a warning (an
# unused variable) is said, not a failed build. V=1: the checker's whole
# Bats report, not the hints alone.
exercise:
	@EXERCISE_VERBOSE=$(V) $(PDEATH) tests/exercises/run check $(E)

# The tour across two hosts: "teacher" and "student" network namespaces (root).
classroom:
	$(QUIET_BUILD)
	@demos/tour.sh --classroom $(TOUR_STEP)

SCRIPTS := .ci/run tests/fetch-zig tests/exercises/run demos/tour.sh demos/portlab-tour.in tests/run-bats tests/check-transcripts tests/valgrind-pairs tests/fuzz/run tests/bench/run tests/lib/procs.bash tests/lib/transcript.bash
lint:
	shellcheck -x $(SCRIPTS)
	shellcheck -x -s bash tests/helpers.bash tests/exercises/lib.bash demos/*/tour.sh
	@for f in tests/*.bats tests/exercises/*.bats; do shellcheck -x -s bash -e SC2016,SC2030,SC2031,SC2034,SC2154,SC2317 "$$f" || exit 1; done

# Static analysis, no findings allowed. cppcheck's variableScope is off: the
# demos declare their variables at the top of a block, C89-style, so a
# student sees them all before the code. clang-analyzer-valist.Uninitialized
# is off: clang-tidy 14 reports every va_start()ed list as uninitialized.
TIDY_CHECKS := clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters
TIDY_CHECKS := $(TIDY_CHECKS),-bugprone-narrowing-conversions,-bugprone-reserved-identifier
TIDY_CHECKS := $(TIDY_CHECKS),cert-err34-c,misc-redundant-expression,-clang-analyzer-valist.Uninitialized
TIDY_CHECKS := $(TIDY_CHECKS),-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
C_SOURCES := $(wildcard common/*.c demos/*/*.c tests/tools/*.c)
analyze:
	cppcheck -q --enable=warning,style,performance,portability --suppress=variableScope \
	  --std=c11 -D_POSIX_C_SOURCE=200809L -Icommon -I$(BUILD) --error-exitcode=1 --inline-suppr \
	  common demos tests/tools
	@mkdir -p build
	clang-tidy --quiet --checks='$(TIDY_CHECKS)' --warnings-as-errors='*' $(C_SOURCES) \
	  -- -std=c11 -D_POSIX_C_SOURCE=200809L -Icommon -I$(BUILD) >build/clang-tidy.log 2>&1; \
	  rc=$$?; grep -v 'warnings generated' build/clang-tidy.log; exit $$rc

# Every demo pair under valgrind's memcheck: no errors, no leaks.
valgrind: all
	@tests/valgrind-pairs

# The load benchmark (not a test): same-port-server against socat, and a new
# client's wait while 1,000 idle connections are held. Results: docs/benchmark.md
bench: all $(POKE)
	@tests/bench/run

# libFuzzer targets (clang): tests/fuzz/<name>.c, seeds in tests/fuzz/corpus/<name>/,
# inputs that once crashed in tests/fuzz/regressions/<name>/ (replayed first).
#   make fuzz                a long run (FUZZ_SECONDS each, default 120)
#   make fuzz-smoke          the regressions, then a short run: what CI does
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 120
FUZZERS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/*.c))
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard common/*.h) $(DEMO_HELPERS) $(DEMO_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(STRICT) -g -O1 -Icommon $(patsubst %/,-I%,$(sort $(dir $(DEMO_HELPERS)))) -I$(BUILD) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(LIB_SRC) $(DEMO_HELPERS)
fuzz: $(FUZZERS)
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZERS)
fuzz-smoke: $(FUZZERS)
	@tests/fuzz/run 5 $(FUZZERS)

# A student's Mac: every program cross-compiled with zig cc 0.11 (which
# ships macOS's libc headers and a Mach-O linker), warnings as errors, into
# build/macos-aarch64/bin and build/macos-x86_64/bin. tests/fetch-zig fetches
# the pinned, SHA-256-checked zig into tests/.deps/ when it is missing; its
# cache lives there too. AR is zig's: zig's Mach-O linker fails on the
# archive GNU ar writes. Nothing here runs them: no Mac runs here.
MACOS_ARCHS := aarch64 x86_64
ZIG_CACHE := $(CURDIR)/tests/.deps/zig-cache
macos:
	@zig=$$(tests/fetch-zig) || exit 1; \
	for a in $(MACOS_ARCHS); do \
	  ZIG_GLOBAL_CACHE_DIR=$(ZIG_CACHE) ZIG_LOCAL_CACHE_DIR=$(ZIG_CACHE) \
	  $(MAKE) --no-print-directory BUILD=build/macos-$$a BIN=build/macos-$$a/bin \
	    CC="$$zig cc -target $$a-macos" AR="$$zig ar" all || exit 1; \
	done

# Installing for a lab (GNU conventions: PREFIX, DESTDIR for staged installs).
# Every program as portlab-NAME (bin/NAME in the tree): a name like
# services-server or nat-server may be another package's on a lab machine,
# while every installed command and page starting "portlab" can be only ours.
# The tour runs them by their own names, through DATADIR/bin: one link a
# program (relative, so that a staged copy runs too). The lessons, the tour as portlab-tour,
# the demos' annotated source (to read) under DATADIR, and the manual pages
# (docs/man: one a program in man1, portlab-NAME.1, the programs' names in
# it rewritten to their installed ones; portlab(7) in man7) under MANDIR.
# Nothing is installed setuid or with file capabilities: see docs/teachers-guide.md.
# The installed copy points to itself: the programs are built again (in
# build/install/) naming the installed lessons' folder in their why: lines,
# and the lessons' bin/... commands and source links are rewritten to the
# installed programs and source, below a note that says so.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/portlab
DOCDIR  ?= $(PREFIX)/share/doc/portlab
MANDIR  ?= $(PREFIX)/share/man
MAN1 := $(wildcard docs/man/*.1)
MAN7 := $(wildcard docs/man/*.7)
TOUR_FILES := demos/tour.sh demos/classroom.sh $(wildcard demos/*/tour.sh) $(wildcard demos/*/*.nft)
SRC_FILES  := $(PROG_SRC) $(DEMO_HELPERS) $(DEMO_HEADERS) $(LIB_SRC) $(wildcard common/*.h)
INSTALL_BUILD ?= build/install
INSTALL_PROGS := $(patsubst $(BIN)/%,$(INSTALL_BUILD)/bin/%,$(PROGS))
PROG_NAMES := $(notdir $(PROGS))
PROGDIR := $(DATADIR)/bin
# A sed script: each program's name, as a word, becomes portlab-NAME (in the
# manual pages: .Nm, .Xr, examples, /usr/bin/NAME), and its title NAME in
# capitals PORTLAB-NAME (.Dt).
INSTALL_NAMES_SED := $(foreach p,$(PROG_NAMES),-e 's/(^|[^[:alnum:]_.-])$(p)([^[:alnum:]_-]|$$)/\1portlab-$(p)\2/g') \
  -e 's/^\.Dt ([A-Z-]+) 1$$/.Dt PORTLAB-\1 1/' -e 's/^\.Dt PORTLAB-PORTLAB-/.Dt PORTLAB-/'
# Every folder make install may create, deepest last: those that did not
# exist yet are listed in DATADIR/installed-dirs, for make uninstall.
INSTALL_DIRS := $(BINDIR) $(PROGDIR) $(DOCDIR) $(MANDIR)/man1 $(MANDIR)/man7 $(patsubst %/,%,$(sort $(dir $(addprefix $(DATADIR)/,$(TOUR_FILES) $(SRC_FILES) tests/lib/procs.bash))))
LESSON_NOTE := > This is the installed copy of this page. Its commands run the programs \
  installed in $(BINDIR) (there, bin/NAME is portlab-NAME), and its source links open the annotated source of the \
  demos, installed for reading in $(DATADIR). Its `make` commands need the source tree (the \
  release tarball portlab-$(RELEASE).tar.gz, or the git repository); here \
  `make demo DEMO=NAME` is `portlab-tour NAME`.
install:
	$(MAKE) --no-print-directory BUILD=$(INSTALL_BUILD) BIN=$(INSTALL_BUILD)/bin LESSONS='$(DOCDIR)' all
	@new=; for d in $(INSTALL_DIRS:%=$(DESTDIR)%); do \
	  while [ ! -d "$$d" ]; do new="$$new$${d#$(DESTDIR)}\n"; d=$${d%/*}; done; \
	done; \
	install -d $(INSTALL_DIRS:%=$(DESTDIR)%) && \
	printf "$$new" | LC_ALL=C sort -u >>$(DESTDIR)$(DATADIR)/installed-dirs
	for p in $(PROG_NAMES); do install -m 755 $(INSTALL_BUILD)/bin/$$p $(DESTDIR)$(BINDIR)/portlab-$$p || exit 1; done
	to=$$(realpath -m --relative-to=$(PROGDIR) $(BINDIR)); \
	for p in $(PROG_NAMES); do ln -sfn $$to/portlab-$$p $(DESTDIR)$(PROGDIR)/$$p || exit 1; done
	for f in docs/*.md; do \
	  { head -n 1 $$f && printf '\n%s\n' '$(LESSON_NOTE)' && tail -n +2 $$f; } | \
	  sed -E -e 's#(^|[^/[:alnum:]_.-])bin/([a-z])#\1$(BINDIR)/portlab-\2#g' \
	         -e 's#\]\(\.\./(demos|common)/#]($(DATADIR)/\1/#g' \
	    >$(DESTDIR)$(DOCDIR)/$${f#docs/} && chmod 644 $(DESTDIR)$(DOCDIR)/$${f#docs/} || exit 1; \
	done
	for f in $(TOUR_FILES) $(SRC_FILES); do install -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	chmod 755 $(DESTDIR)$(DATADIR)/demos/tour.sh
	install -m 644 tests/lib/procs.bash $(DESTDIR)$(DATADIR)/tests/lib/
	sed -e 's|@PROGDIR@|$(PROGDIR)|' -e 's|@DATADIR@|$(DATADIR)|' -e 's|@DOCDIR@|$(DOCDIR)|' demos/portlab-tour.in \
	  >$(DESTDIR)$(BINDIR)/portlab-tour
	chmod 755 $(DESTDIR)$(BINDIR)/portlab-tour
	for f in $(MAN1) $(MAN7); do \
	  n=$${f##*/}; case $$n in portlab*) ;; *) n=portlab-$$n ;; esac; \
	  sed -E $(INSTALL_NAMES_SED) $$f >$(DESTDIR)$(MANDIR)/man$${f##*.}/$$n && \
	  chmod 644 $(DESTDIR)$(MANDIR)/man$${f##*.}/$$n || exit 1; \
	done

# What install put there, and then every folder it created (those still
# empty: a folder something else also uses stays).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/portlab-,$(PROG_NAMES) tour) $(addprefix $(DESTDIR)$(PROGDIR)/,$(PROG_NAMES))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(wildcard docs/*.md)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(TOUR_FILES) $(SRC_FILES) tests/lib/procs.bash)
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(patsubst portlab-portlab%,portlab%,$(addprefix portlab-,$(notdir $(MAN1))))) $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	@list=$(DESTDIR)$(DATADIR)/installed-dirs; \
	dirs=$$(cat "$$list" 2>/dev/null); rm -f "$$list"; \
	for d in $$(printf '%s\n' $(INSTALL_DIRS) $(DATADIR) $$dirs | LC_ALL=C sort -ru); do \
	  case $$d in $(DATADIR)|$(DATADIR)/*|$(DOCDIR)) ;; *) printf '%s\n' $$dirs | grep -qxF "$$d" || continue ;; esac; \
	  [ ! -d "$(DESTDIR)$$d" ] || rmdir "$(DESTDIR)$$d" 2>/dev/null || true; \
	done

# A release tarball, portlab-RELEASE.tar.gz: the committed tree and a
# VERSION file (no git needed to build it, or to know its version: the
# release and the commit it was made from).
DIST := portlab-$(RELEASE)
dist:
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make dist: needs the git checkout" >&2; exit 1; }
	rm -rf build/dist && mkdir -p build/dist/$(DIST)
	git archive HEAD | tar -x -C build/dist/$(DIST)
	echo '$(RELEASE) (git $(call GIT_COMMIT))' >build/dist/$(DIST)/VERSION
	tar -czf $(DIST).tar.gz -C build/dist $(DIST)
	@echo "make dist: $(DIST).tar.gz"

# A Debian package, portlab_VERSION_ARCH.deb, with dpkg-deb alone (no
# debhelper, no network): what make install PREFIX=/usr stages, less its
# list of the folders it created (dpkg keeps its own), the manual pages
# and the changelog gzipped (-9n) as Debian policy asks, the copyright file,
# a control file and the files' md5sums. The version is RELEASE alone: a Debian version cannot
# hold " (git ...)" (the programs' --version still names the commit). Built
# in its own folder, hardened and stripped. Depends: the C library, at the
# newest symbol version the programs use; the tour's other needs are
# Essential packages (bash, coreutils, util-linux), or recommended.
DEB_VERSION := $(RELEASE)
DEB_ARCH     = $(shell dpkg --print-architecture)
DEB_MAINTAINER ?= portlab developers <portlab@example.org>
DEB_DIR   := build/deb
DEB_ROOT  := $(DEB_DIR)/root
DEB_FLAGS := CFLAGS='-O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2' LDFLAGS='-Wl,-z,relro,-z,now'
define DEB_DESCRIPTION
 portlab answers the question "what's a port?" with small C programs to
 run and read: each demo is a server and a client that show one fact about
 TCP and UDP ports on the running kernel, with a lesson in
 /usr/share/doc/portlab and a guided tour, portlab-tour. See portlab(7).
 .
 Nothing is installed setuid or with file capabilities. The privileged demo
 shows that binding port 23 needs CAP_NET_BIND_SERVICE: run it with sudo, in
 a private namespace (unshare -rn), or let a lab grant that one right to the
 one program: sudo setcap cap_net_bind_service=+ep /usr/bin/portlab-privileged-server
 (anyone who runs it may then bind any low port while it runs). The wire
 demo's packet and raw sockets need CAP_NET_RAW: sudo, or a namespace.
endef
export DEB_DESCRIPTION
deb:
	@command -v dpkg-deb >/dev/null || { echo "make deb: needs dpkg-deb (Debian's dpkg)" >&2; exit 1; }
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(CURDIR)/$(DEB_ROOT) \
	  INSTALL_BUILD=$(DEB_DIR)/build $(DEB_FLAGS)
	rm -f $(DEB_ROOT)/usr/share/portlab/installed-dirs
	strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	  $(addprefix $(DEB_ROOT)/usr/bin/portlab-,$(PROG_NAMES))
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/* $(DEB_ROOT)/usr/share/man/man7/*
	gzip -9nc docs/debian/changelog >$(DEB_ROOT)/usr/share/doc/portlab/changelog.gz
	install -m 644 docs/debian/copyright $(DEB_ROOT)/usr/share/doc/portlab/copyright
	mkdir -p $(DEB_ROOT)/DEBIAN
	@glibc=$$(objdump -T $(addprefix $(DEB_ROOT)/usr/bin/portlab-,$(PROG_NAMES)) | \
	  grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1); \
	{ echo 'Package: portlab'; echo 'Version: $(DEB_VERSION)'; echo 'Architecture: $(DEB_ARCH)'; \
	  echo 'Maintainer: $(DEB_MAINTAINER)'; \
	  echo "Installed-Size: $$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)"; \
	  echo "Depends: libc6$${glibc:+ (>= $$glibc)}"; \
	  echo 'Recommends: iproute2, nftables, tcpdump'; \
	  echo 'Section: net'; echo 'Priority: optional'; \
	  echo 'Description: small programs that show what a TCP or UDP port is'; \
	  printf '%s\n' "$$DEB_DESCRIPTION"; } >$(DEB_ROOT)/DEBIAN/control
	cd $(DEB_ROOT) && find usr -type f -exec md5sum {} + | LC_ALL=C sort -k 2 >DEBIAN/md5sums
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) portlab_$(DEB_VERSION)_$(DEB_ARCH).deb

clean:
	rm -rf bin build

-include $(shell find build -name '*.d' 2>/dev/null)
