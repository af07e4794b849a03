package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The cluster mode: member processes sharing caches and the write-behind queue, one of them killed. */
class DemoClusterTest {

    @Test
    void killingAMemberMidRunLosesNoAcknowledgedWrite() throws Exception {
        Properties p = new Properties();
        p.setProperty("duration", "10s");
        p.setProperty("members", "3");
        p.setProperty("kill", "2");
        p.setProperty("threads", "3");
        p.setProperty("customers", "60");
        List<Long> serverPids = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        ClusterDemo.Outcome outcome = ClusterDemo.run(
                DemoOptions.from(p), new PrintStream(console, true, StandardCharsets.UTF_8), new DemoEvents() {
                    @Override
                    public void serversStarted(List<Long> pids) {
                        serverPids.addAll(pids);
                    }
                });

        String out = console.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("killed member-2");
        assertThat(outcome.check().acknowledged()).as(out).isPositive();
        assertThat(outcome.check().missing()).as(out).isZero();
        assertThat(outcome.pendingAfterDrain()).as(out).isZero();
        assertThat(outcome.killedMemberStaleReads()).as(out).isZero();
        Summary summary = outcome.summary();
        assertThat(summary.members()).isEqualTo(2);
        assertThat(summary.staleReads()).as(out).isZero();
        assertThat(summary.errors()).as(out).isZero();
        assertThat(summary.invalidationsReceived())
                .as("invalidations crossing members\n" + out)
                .isPositive();
        assertThat(summary.tierHits().get("hazelcast")).isPositive();

        List<Long> alive = new ArrayList<>();
        for (long pid : concat(serverPids, outcome.memberPids())) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(h -> alive.add(pid));
        }
        assertThat(outcome.memberPids()).hasSize(3);
        assertThat(alive).as("processes left running").isEmpty();
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
