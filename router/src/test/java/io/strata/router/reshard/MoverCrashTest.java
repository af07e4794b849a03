package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The mover killed with {@code kill -9} (a child JVM) during copy, during catch-up and during the
 * cutover (its fence in place), while a writer keeps writing: a restarted mover resumes the move
 * from the journal to DONE, and the diff against the acknowledged writes is clean.
 */
class MoverCrashTest {

    @ParameterizedTest
    @EnumSource(
            value = MoveStatus.Phase.class,
            names = {"COPYING", "CATCHUP", "FENCED"})
    void aMoverKilledResumesAndTheDiffIsClean(MoveStatus.Phase killAt) throws Exception {
        try (PgTopology topology = PgTopology.builder()
                .shards(3)
                .replicasPerShard(1)
                .logicalReplication()
                .start()) {
            ReshardFixture fx = new ReshardFixture(topology, "kc_", 2);
            fx.load(3000);
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = fx.writer(stop);
            writer.start();
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-cp",
                    System.getProperty("java.class.path"),
                    MoverCrashChild.class.getName(),
                    killAt.name(),
                    fx.accounts,
                    fx.countries,
                    topology.shard(0).primary().user()));
            for (PgShard s : topology.shards()) {
                command.add(s.name() + "=" + s.primary().jdbcUrl());
            }
            Process child =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            StringBuilder output = new StringBuilder();
            boolean reached = false;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.equals("AT " + killAt)) {
                        reached = true;
                        break;
                    }
                }
                assertThat(reached).as("child output:\n%s", output).isTrue();
                if (killAt != MoveStatus.Phase.FENCED) { // fenced: the writer waits for the fence to lift
                    fx.awaitWrites(20);
                }
                child.destroyForcibly(); // SIGKILL
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                child.destroyForcibly();
            }
            Mover mover = fx.mover(MoverSettings.defaults(MoverCopyTest.SLOTS, "shard0"), (id, phase) -> {});
            assertThat(ReshardFixture.status(mover, "crash"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.phase()).isEqualTo(killAt));
            mover.resume();
            mover.run(MovePlan.of("crash", List.of()), Duration.ofMinutes(2));
            fx.awaitWrites(100);
            stop.set(true);
            writer.join();
            assertThat(fx.writerError()).isNull();
            assertThat(ReshardFixture.status(mover, "crash"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.phase()).isEqualTo(MoveStatus.Phase.DONE));
            fx.assertClean();
        }
    }
}
