package io.strata.router.internal.merge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** GroupedMerge's numeric helpers (moved from PlannerTest with the package split). */
class GroupedMergeTest {

    @Test
    void numericDivisionScaleMatchesPostgres() {
        assertThat(GroupedMerge.divide(java.math.BigDecimal.ONE, java.math.BigDecimal.valueOf(3))
                        .toPlainString())
                .isEqualTo("0.33333333333333333333");
        assertThat(GroupedMerge.divide(java.math.BigDecimal.TEN, java.math.BigDecimal.valueOf(3))
                        .toPlainString())
                .isEqualTo("3.3333333333333333");
        assertThat(GroupedMerge.average(3L, 2L).toString()).isEqualTo("1.5000000000000000");
        assertThat(GroupedMerge.doubleText(1e20)).isEqualTo("1e+20");
        assertThat(GroupedMerge.doubleText(0.5)).isEqualTo("0.5");
    }
}
