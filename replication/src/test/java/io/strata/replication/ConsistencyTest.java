package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsistencyTest {

    @Test
    void parse_readsEveryLevelAndBoundedStaleness() {
        assertThat(Consistency.parse("EVENTUAL")).isSameAs(Consistency.EVENTUAL);
        assertThat(Consistency.parse("read_your_writes")).isSameAs(Consistency.READ_YOUR_WRITES);
        assertThat(Consistency.parse("strong")).isSameAs(Consistency.STRONG);
        assertThat(Consistency.parse("bounded_staleness(250ms)"))
                .isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(250)));
        assertThat(Consistency.parse("bounded_staleness(2s)").maxStaleness()).hasValue(Duration.ofSeconds(2));
        assertThat(Consistency.parse(
                        Consistency.boundedStaleness(Duration.ofMillis(75)).toString()))
                .isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(75)));
    }

    @Test
    void parse_rejectsUnknownNamingTheValue() {
        assertThatThrownBy(() -> Consistency.parse("linearizable")).hasMessageContaining("'linearizable'");
        assertThatThrownBy(() -> Consistency.boundedStaleness(Duration.ofMillis(-1)))
                .hasMessageContaining("maxStaleness")
                .hasMessageContaining("PT-0.001S");
    }

    @Test
    void hint_isFoundInAComment() {
        assertThat(SqlClassifier.hint("/* strata:consistency=strong */ select 1"))
                .hasValue(Consistency.STRONG);
        assertThat(SqlClassifier.hint("select 1 /*strata:consistency=bounded_staleness(100ms)*/"))
                .hasValue(Consistency.boundedStaleness(Duration.ofMillis(100)));
        assertThat(SqlClassifier.hint("select 1")).isEmpty();
        assertThatThrownBy(() -> SqlClassifier.hint("/* strata:consistency=sometimes */ select 1"))
                .hasMessageContaining("sometimes");
    }
}
