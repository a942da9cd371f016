# Reads `jfr print --events jdk.ExecutionSample --stack-depth 256` and prints the share of samples per group, largest
# first. The grouping is the classify(stack) function of the awk file given before this one:
#   awk -f bench/jfr_breakdown.awk -f bench/jfr_samples.awk      (API benchmark)
#   awk -f bench/jfr_telephony.awk -f bench/jfr_samples.awk      (telephony benchmark)
/^jdk\.ExecutionSample/ { stack = ""; inside = 0; next }
/stackTrace = \[/ { inside = 1; next }
inside && /^ *\]/ { inside = 0; n++; c[classify(stack)]++; next }
inside { stack = stack "\n" $0 }
END {
    if (n == 0) { print "no samples"; exit }
    for (k in c) printf "%5.1f%%  %s\n", 100 * c[k] / n, k | "sort -rn"
    close("sort -rn")
    printf "(%d samples)\n", n
}
