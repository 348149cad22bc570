#!/bin/sh
# Lists the tests that `swift test` skipped, with the reason each gave, from
# its output (XCTest on Linux prints `FILE:LINE: Suite.test : Test skipped - REASON`
# and `Test Case 'Suite.test' skipped`). Prints nothing when none was skipped;
# always exits 0, so that `make test` keeps swift test's exit status.
#   scripts/skipped-tests.sh LOG
log=${1:?usage: skipped-tests.sh LOG}
[ -r "$log" ] || exit 0
awk '
    / : Test skipped/ {
        name = $0
        sub(/ : Test skipped.*$/, "", name)
        sub(/^.*: /, "", name)
        reason = $0
        if (sub(/^.* : Test skipped - /, "", reason) == 0) reason = "(no reason given)"
        if (!(name in seen)) { seen[name] = 1; order[++n] = name; why[name] = reason }
        next
    }
    /^Test Case .* skipped/ {
        name = $0
        sub(/^Test Case .-?\[?/, "", name)
        sub(/\]?. skipped.*$/, "", name)
        if (!(name in seen)) { seen[name] = 1; order[++n] = name; why[name] = "(no reason given)" }
    }
    END {
        if (n == 0) exit
        print ""
        printf "%d test%s skipped:\n", n, n == 1 ? " was" : "s were"
        for (i = 1; i <= n; i++) printf "  %s: %s\n", order[i], why[order[i]]
        print "(see \"Skipped tests\" in README.md for what each needs)"
    }
' "$log"
exit 0
