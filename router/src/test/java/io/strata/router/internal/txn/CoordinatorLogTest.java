package io.strata.router.internal.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The coordinator log's group commit: concurrent decisions share forces, and each is durable on return. */
class CoordinatorLogTest {

    @Test
    void decisionsThatArriveDuringAForceShareTheNextForce() throws Exception {
        Path file = Files.createTempDirectory("strata-log").resolve("coordinator.log");
        CountDownLatch firstForceHeld = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        CoordinatorLog log = new CoordinatorLog(file, channel -> {
            if (calls.incrementAndGet() == 1) {
                firstForceHeld.countDown();
                try {
                    releaseFirst.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            channel.force(false);
        });
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            Future<?> first = pool.submit(() -> {
                log.commitDecided("t0");
                return null;
            });
            firstForceHeld.await();
            List<Future<?>> others = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                String txid = "t" + i;
                others.add(pool.submit(() -> {
                    log.commitDecided(txid);
                    return null;
                }));
            }
            // All eight have appended their line and wait behind the held force.
            await().atMost(Duration.ofMinutes(1)).until(() -> log.appendedForTest() == 9);
            for (Future<?> f : others) {
                assertThat(f.isDone()).isFalse(); // none returns before its line is forced
            }
            releaseFirst.countDown();
            first.get();
            for (Future<?> f : others) {
                f.get();
            }
            assertThat(log.decisions()).isEqualTo(9);
            assertThat(log.forces()).isEqualTo(2); // t0 alone, then t1..t8 together
            assertThat(log.committed()).hasSize(9);
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
            log.close();
        }
    }

    @Test
    void aFailedForceFailsEveryDecisionItCarriedAndNoLaterOne() throws Exception {
        Path file = Files.createTempDirectory("strata-log").resolve("coordinator.log");
        AtomicInteger calls = new AtomicInteger();
        CoordinatorLog log = new CoordinatorLog(file, channel -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("disk full");
            }
            channel.force(false);
        });
        try {
            assertThatThrownBy(() -> log.commitDecided("lost")).isInstanceOf(IOException.class);
            log.commitDecided("kept");
            assertThat(log.decisions()).isEqualTo(1);
            assertThat(log.committed()).contains("kept");
        } finally {
            log.close();
        }
    }

    @Test
    void doneRecordsAreWrittenWithoutAForceAndReadBack() throws Exception {
        Path file = Files.createTempDirectory("strata-log").resolve("coordinator.log");
        try (CoordinatorLog log = new CoordinatorLog(file)) {
            log.commitDecided("a");
            log.commitDecided("b");
            log.done("a");
            assertThat(log.pending()).containsExactly("b");
            assertThat(log.forces()).isEqualTo(2);
        }
    }
}
