// Package benchutil is what every Go benchmark twin shares: its scale argument.
package benchutil

import (
	"fmt"
	"math"
	"os"
	"strconv"
)

// Scale reads the optional SCALE argument (default 1) of command name, exiting 2 on a
// bad one.
func Scale(name string) float64 {
	scale := 1.0
	if len(os.Args) == 2 {
		var err error
		scale, err = strconv.ParseFloat(os.Args[1], 64)
		if err != nil || !(scale > 0) {
			scale = -1
		}
	}
	if len(os.Args) > 2 || scale <= 0 {
		fmt.Fprintf(os.Stderr, "usage: %s [SCALE]\n", name)
		os.Exit(2)
	}
	return scale
}

// Scaled is n times scale, rounded, at least 1.
func Scaled(n int, scale float64) int {
	v := int(math.Round(float64(n) * scale))
	if v < 1 {
		return 1
	}
	return v
}
