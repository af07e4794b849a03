package io.strata.sample;

import java.io.PrintStream;
import java.time.Duration;

/** A one-line console progress bar, redrawn in place. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final Duration total;

    ProgressBar(PrintStream out, Duration total) {
        this.out = out;
        this.total = total;
    }

    /** Redraws the bar for {@code elapsed} with the given operation count and stale reads. */
    void show(Duration elapsed, long operations, long staleReads, long errors) {
        double done = Math.min(1.0, (double) elapsed.toMillis() / Math.max(1, total.toMillis()));
        int filled = (int) Math.round(done * WIDTH);
        double seconds = Math.max(0.001, elapsed.toMillis() / 1000.0);
        out.printf(
                "\r  [%s%s] %3d%%  %4.0fs/%ds  %,9d ops  %,7.0f ops/s  stale %d  errors %d ",
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                Math.round(done * 100),
                elapsed.toMillis() / 1000.0,
                total.toSeconds(),
                operations,
                operations / seconds,
                staleReads,
                errors);
        out.flush();
    }

    /** Ends the line. */
    void finish() {
        out.println();
    }
}
