package io.strata.sample;

import java.io.PrintStream;
import java.time.Duration;

/**
 * The workload's progress. On a terminal, a one-line bar redrawn in place; otherwise (output piped
 * to a file or a CI log, where a carriage return does not redraw anything) a plain line every
 * {@value #PLAIN_EVERY_SECONDS} seconds and one at the end.
 */
final class ProgressBar {

    private static final int WIDTH = 30;
    static final int PLAIN_EVERY_SECONDS = 5;
    private final PrintStream out;
    private final Duration total;
    private final boolean terminal;
    private long nextPlainMillis;
    private boolean plainDone;

    /** A bar on {@code out}, redrawn in place only when {@code out} is the terminal's standard output. */
    ProgressBar(PrintStream out, Duration total) {
        this(out, total, out == System.out && System.console() != null);
    }

    ProgressBar(PrintStream out, Duration total, boolean terminal) {
        this.out = out;
        this.total = total;
        this.terminal = terminal;
    }

    /** Shows the progress at {@code elapsed} with the given operation count and stale reads. */
    void show(Duration elapsed, long operations, long staleReads, long errors) {
        double done = Math.min(1.0, (double) elapsed.toMillis() / Math.max(1, total.toMillis()));
        double seconds = Math.max(0.001, elapsed.toMillis() / 1000.0);
        if (!terminal) {
            boolean last = done >= 1.0;
            if ((elapsed.toMillis() < nextPlainMillis && !last) || plainDone) {
                return;
            }
            nextPlainMillis = elapsed.toMillis() + PLAIN_EVERY_SECONDS * 1000L;
            plainDone = last;
            out.printf(
                    "  progress %3d%%  %4.0fs/%ds  %,9d ops  %,7.0f ops/s  stale %d  errors %d%n",
                    Math.round(done * 100),
                    elapsed.toMillis() / 1000.0,
                    total.toSeconds(),
                    operations,
                    operations / seconds,
                    staleReads,
                    errors);
            return;
        }
        int filled = (int) Math.round(done * WIDTH);
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

    /** Ends the line (on a terminal; plain lines are ended already). */
    void finish() {
        if (terminal) {
            out.println();
        }
    }
}
