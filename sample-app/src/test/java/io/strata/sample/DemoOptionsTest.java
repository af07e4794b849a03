package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void defaultsRunTheEmbeddedDemoForTwentySeconds() {
        DemoOptions o = DemoOptions.from(new Properties());

        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.members()).isEqualTo(1);
        assertThat(o.kill()).isZero();
        assertThat(o.config()).isNull();
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        for (String[] c :
                new String[][] {{"500ms", "PT0.5S"}, {"20s", "PT20S"}, {"2m", "PT2M"}, {"1h", "PT1H"}, {"PT3S", "PT3S"}
                }) {
            Properties p = new Properties();
            p.setProperty("duration", c[0]);
            assertThat(DemoOptions.from(p).duration()).as(c[0]).isEqualTo(Duration.parse(c[1]));
        }
    }

    @Test
    void everyBadOptionIsReportedAtOnceWithItsValue() {
        Properties p = new Properties();
        p.setProperty("duration", "0s");
        p.setProperty("threads", "many");
        p.setProperty("members", "1");
        p.setProperty("kill", "2");

        assertThatThrownBy(() -> DemoOptions.from(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duration must be positive but was '0s'")
                .hasMessageContaining("threads must be an integer but was 'many'")
                .hasMessageContaining("kill must name a member 1..1 but was 2")
                .hasMessageContaining("kill needs members >= 2");
    }

    @Test
    void eachMemberNeedsACustomerPerThread() {
        Properties p = new Properties();
        p.setProperty("members", "3");
        p.setProperty("threads", "8");
        p.setProperty("customers", "20");

        assertThatThrownBy(() -> DemoOptions.from(p))
                .hasMessageContaining("customers (20) must be at least threads x members (24)");
    }
}
