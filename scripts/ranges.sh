# Sourced by the bench-*.sh scripts, from the repository's root.
# The range of one figure over the rounds: "a–b" (or "a" when they agree), keeping the units
# (ordered by value in seconds, so that 847.9 µs comes before 1.076 ms).
range() {
  awk '{ m = ($2 == "ns") ? 1e-9 : ($2 == "µs") ? 1e-6 : ($2 == "ms") ? 1e-3 : 1; print $1 * m, $1, $2 }' | sort -g |
    awk 'NR == 1 { lo = $2; lu = $3 } { hi = $2; hu = $3 }
         END { if (hi == lo && hu == lu) printf "%s %s", lo, lu; else if (hu == lu) printf "%s–%s %s", lo, hi, lu; else printf "%s %s–%s %s", lo, lu, hi, hu }'
}
