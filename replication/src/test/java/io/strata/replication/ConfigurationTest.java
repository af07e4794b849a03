package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad configuration fails at once, naming the setting and its value. No database needed. */
class ConfigurationTest {

    @Test
    void build_withoutPrimary_namesTheSetting() {
        assertThatThrownBy(() -> ReplicaSetDataSource.builder()
                        .replica("jdbc:postgresql://h:5432/db")
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("primary: not set")
                .hasMessageContaining("replica0");
    }

    @Test
    void maxLag_negative_namesSettingAndValue() {
        assertThatThrownBy(() -> ReplicaSetDataSource.builder().maxLag(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLag must be positive, was PT-0.005S");
    }

    @Test
    void readStrategy_unknown_namesSettingAndValue() {
        assertThatThrownBy(() -> ReplicaSetDataSource.builder().readStrategy("fastest-first"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readStrategy")
                .hasMessageContaining("'fastest-first'");
    }

    @Test
    void otherSettings_areCheckedWhenSet() {
        ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder();
        assertThatThrownBy(() -> b.name("shard 0")).hasMessageContaining("name").hasMessageContaining("'shard 0'");
        assertThatThrownBy(() -> b.primary("mysql://x"))
                .hasMessageContaining("primary")
                .hasMessageContaining("'mysql://x'");
        assertThatThrownBy(() -> b.pollInterval(Duration.ofMillis(1)))
                .hasMessageContaining("pollInterval")
                .hasMessageContaining("PT0.001S");
        assertThatThrownBy(() -> b.nodeTimeout(Duration.ZERO)).hasMessageContaining("nodeTimeout");
        assertThatThrownBy(() -> b.primaryFallbackConcurrency(0))
                .hasMessageContaining("primaryFallbackConcurrency")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> b.primaryFallbackWait(Duration.ofMillis(-1)))
                .hasMessageContaining("primaryFallbackWait")
                .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> b.statementNetworkTimeout(Duration.ofMillis(-1)))
                .hasMessageContaining("statementNetworkTimeout");
        assertThatThrownBy(() -> b.readYourWritesWait(Duration.ofMillis(-1)))
                .hasMessageContaining("readYourWritesWait");
        assertThatThrownBy(() -> b.replicaWeight("r", -2))
                .hasMessageContaining("replicaWeight")
                .hasMessageContaining("-2");
        assertThatThrownBy(() -> b.writingFunctions("drop table")).hasMessageContaining("'drop table'");
        b.primary("jdbc:postgresql://h:5432/db");
        assertThatThrownBy(() -> b.primary("p2", "jdbc:postgresql://h2:5432/db"))
                .hasMessageContaining("primary: already set")
                .hasMessageContaining("'p2'");
        assertThatThrownBy(() -> b.replica("primary", "jdbc:postgresql://h3:5432/db"))
                .hasMessageContaining("unique")
                .hasMessageContaining("'primary'");
    }

    @Test
    void build_weightForAnUnknownReplica_namesIt() {
        assertThatThrownBy(() -> ReplicaSetDataSource.builder()
                        .primary("jdbc:postgresql://h:5432/db")
                        .replicaWeight("ghost", 2)
                        .build())
                .hasMessageContaining("replicaWeight")
                .hasMessageContaining("'ghost'");
    }
}
