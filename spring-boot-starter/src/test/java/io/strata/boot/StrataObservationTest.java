package io.strata.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter hands the application's ObservationRegistry bean to the router (issue 16, tracing). */
class StrataObservationTest {

    private static PgTopology topology;

    @BeforeAll
    static void start() {
        topology = PgTopology.builder().shards(1).replicasPerShard(0).start();
    }

    @AfterAll
    static void stop() {
        topology.close();
    }

    private ApplicationContextRunner runner() {
        PgServer p = topology.shards().get(0).primary();
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(StrataAutoConfiguration.class))
                .withPropertyValues(
                        "strata.shards[0].name=shard0",
                        "strata.shards[0].primary=" + p.jdbcUrl(),
                        "strata.shards[0].username=" + p.user(),
                        "strata.transactions.policy=reject");
    }

    private static void query(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select 1")) {
            assertThat(rs.next()).isTrue();
        }
    }

    @Test
    void theApplicationsObservationRegistryGetsTheRoutersObservations() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                seen.add(context.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        runner().withBean(ObservationRegistry.class, () -> registry).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            query(ctx.getBean(DataSource.class));
        });
        assertThat(seen).containsExactly("strata.router.shard", "strata.router.statement");
    }

    @Test
    void withoutAnObservationRegistryBeanTheDataSourceWorks() {
        runner().run(ctx -> {
            assertThat(ctx).hasNotFailed();
            query(ctx.getBean(DataSource.class));
        });
    }
}
