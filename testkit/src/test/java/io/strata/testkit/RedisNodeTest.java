package io.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.internal.Processes;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** A real redis-server: set/get, kill, restart, pause. */
class RedisNodeTest {

    @Test
    void setGetKillAndRestart() {
        try (RedisNode redis = RedisNode.start()) {
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                jedis.set("k", "v");
                assertThat(jedis.get("k")).isEqualTo("v");
            }
            long pid = redis.pid();
            redis.kill();
            assertThat(Processes.alive(pid)).isFalse();
            assertThatThrownBy(() -> {
                        try (Jedis jedis = new Jedis(redis.host(), redis.port(), 500)) {
                            jedis.ping();
                        }
                    })
                    .isInstanceOf(JedisConnectionException.class);

            redis.startAgain();
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                assertThat(jedis.get("k"))
                        .as("persistence is off: a restarted node is empty")
                        .isNull();
                jedis.set("k", "v2");
                assertThat(jedis.get("k")).isEqualTo("v2");
            }
            redis.restart();
            assertThat(redis.isRunning()).isTrue();
        }
    }

    @Test
    void withAppendOnlyAlways_aKilledNodeComesBackWithItsData() {
        try (RedisNode redis =
                RedisNode.builder().appendOnly(RedisNode.AppendFsync.ALWAYS).start()) {
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                assertThat(jedis.configGet("appendonly")).containsEntry("appendonly", "yes");
                assertThat(jedis.configGet("appendfsync")).containsEntry("appendfsync", "always");
                for (int i = 0; i < 1000; i++) {
                    jedis.set("k" + i, "v" + i);
                }
            }
            redis.kill();
            redis.startAgain();
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                for (int i = 0; i < 1000; i++) {
                    assertThat(jedis.get("k" + i)).isEqualTo("v" + i);
                }
            }
        }
    }

    @Test
    void pauseStallsCommandsUntilItEnds() {
        try (RedisNode redis = RedisNode.start()) {
            redis.pause(Duration.ofSeconds(3));
            assertThatThrownBy(() -> {
                        try (Jedis stalled = new Jedis(
                                HostAndPort.from(redis.host() + ":" + redis.port()),
                                DefaultJedisClientConfig.builder()
                                        .socketTimeoutMillis(500)
                                        .build())) {
                            stalled.set("k", "v");
                        }
                    })
                    .isInstanceOf(JedisConnectionException.class);
            try (Jedis jedis = new Jedis(redis.host(), redis.port(), 10_000)) {
                jedis.set("k", "v"); // waits for the pause to end
                assertThat(jedis.get("k")).isEqualTo("v");
            }
        }
    }

    @Test
    void closeKillsTheProcess() {
        RedisNode redis = RedisNode.start();
        long pid = redis.pid();
        redis.close();
        assertThat(Processes.alive(pid)).isFalse();
        assertThat(redis.isRunning()).isFalse();
    }
}
