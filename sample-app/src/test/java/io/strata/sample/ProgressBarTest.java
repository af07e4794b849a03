package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 16 item 5: the progress bar redraws only on a terminal and prints plain lines otherwise. */
class ProgressBarTest {

    private static String run(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBar(out, Duration.ofSeconds(20), terminal);
        for (long ms = 0; ms <= 20_000; ms += 250) { // as MemberRun calls it, every 250 ms
            bar.show(Duration.ofMillis(ms), ms, 0, 0);
        }
        bar.show(Duration.ofMillis(20_100), 20_100, 0, 0); // the final update after the workload stopped
        bar.finish();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void offATerminal_plainLinesEveryFiveSeconds_andNoCarriageReturn() {
        String out = run(false);
        assertThat(out).doesNotContain("\r");
        assertThat(out.lines()).hasSize(5); // 0, 5, 10, 15 s and the end
        assertThat(out.lines().toList().get(4)).contains("100%").contains("20s/20s");
    }

    @Test
    void onATerminal_theBarIsRedrawnInPlace() {
        String out = run(true);
        assertThat(out).contains("\r  [").endsWith(System.lineSeparator());
        assertThat(out.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    }

    @Test
    void aStreamThatIsNotStandardOutput_isNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(1));
        bar.show(Duration.ofMillis(1000), 10, 0, 0);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
    }
}
