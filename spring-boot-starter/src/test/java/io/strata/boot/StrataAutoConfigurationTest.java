package io.strata.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.replication.ConsistencyToken;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;

/** The starter's configuration paths that need no database; the topology tests are in sample-boot. */
class StrataAutoConfigurationTest {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(StrataAutoConfiguration.class));

    @Test
    void nothingConfigured_noDataSource() {
        runner.run(
                ctx -> assertThat(ctx).doesNotHaveBean(DataSource.class).hasSingleBean(ConsistencyTokenContext.class));
    }

    @Test
    void badStrataProperties_failTheStartWithEveryErrorAndItsPath() {
        runner.withPropertyValues(
                        "strata.shards[0].name=shard0",
                        "strata.shards[0].primary=mysql://nope",
                        "strata.shards[1].name=shard 1",
                        "strata.shards[1].primary=jdbc:postgresql://h/db",
                        "strata.tables.users.sharded=id",
                        "strata.tables.users.type=money",
                        "strata.consistency=psychic")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("Spring properties strata.* has 4 errors")
                        .hasMessageContaining(
                                "shards[0].primary: must be a jdbc:postgresql: URL but was 'mysql://nope'")
                        .hasMessageContaining("shards[1].name: must match")
                        .hasMessageContaining("tables.users.type: must be bigint")
                        .hasMessageContaining("consistency:"));
    }

    @Test
    void urlAndProperties_bothSet_areRefused() {
        runner.withPropertyValues(
                        "spring.datasource.url=jdbc:strata:classpath:strata.yaml",
                        "strata.shards[0].name=shard0",
                        "strata.shards[0].primary=jdbc:postgresql://h/db")
                .run(ctx ->
                        assertThat(ctx).hasFailed().getFailure().rootCause().hasMessageContaining("configured twice"));
    }

    @Test
    void aStrataUrlWithAMissingVariable_isReportedWithItsPath() {
        runner.withPropertyValues("spring.datasource.url=jdbc:strata:classpath:needs-env.yaml")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining(
                                "shards[0].password: environment variable 'STRATA_TEST_UNSET_PASSWORD' is not set"));
    }

    @Test
    void propertiesBecomeTheRoutersYaml_withPlaceholdersLeftLiteral() {
        StrataProperties p = new StrataProperties();
        StrataProperties.Shard s = new StrataProperties.Shard();
        s.setName("shard0");
        s.setPrimary("jdbc:postgresql://h/db");
        s.setPassword("pa${ss}");
        s.setMaxLag(java.time.Duration.ofSeconds(2));
        p.getShards().add(s);
        StrataProperties.Table t = new StrataProperties.Table();
        t.setSharded("id");
        t.setType("bigint");
        p.getTables().put("users", t);
        StrataProperties.Table b = new StrataProperties.Table();
        b.setBroadcast(true);
        p.getTables().put("countries", b);
        String yaml = PropertiesYaml.toYaml(p);
        assertThat(yaml)
                .contains("password: pa$${ss}")
                .contains("maxLag: 2000ms")
                .contains("countries: broadcast")
                .contains("sharded: id");
    }

    @Test
    void aJdbcStrataUrl_getsStratasDriverClass() {
        StandardEnvironment standard = new StandardEnvironment();
        standard.getPropertySources()
                .addFirst(new org.springframework.core.env.MapPropertySource(
                        "test", java.util.Map.of("spring.datasource.url", "jdbc:strata:/etc/app.yaml")));
        new StrataDriverEnvironmentPostProcessor().postProcessEnvironment(standard, new SpringApplication());
        assertThat(standard.getProperty("spring.datasource.driver-class-name")).isEqualTo("io.strata.router.Driver");

        StandardEnvironment other = new StandardEnvironment();
        new StrataDriverEnvironmentPostProcessor().postProcessEnvironment(other, new SpringApplication());
        assertThat(other.getProperty("spring.datasource.driver-class-name")).isNull();
    }

    @Test
    void tokenContext_mergesCapturedTokensAndRestoresTheOuterScope() {
        ConsistencyTokenContext context = new ConsistencyTokenContext();
        List<String> changes = new ArrayList<>();
        context.observe(ConsistencyToken.of("shard0", 5)); // outside a scope: ignored
        assertThat(context.current().isEmpty()).isTrue();
        try (ConsistencyTokenContext.Scope s =
                context.open(ConsistencyToken.of("shard0", 10), t -> changes.add(t.toString()))) {
            context.observe(ConsistencyToken.of("shard0", 5)); // older: no change
            assertThat(changes).isEmpty();
            context.observe(ConsistencyToken.of("shard1", 7));
            assertThat(s.token()).isEqualTo(ConsistencyToken.of("shard0", 10).with("shard1", 7));
            try (ConsistencyTokenContext.Scope inner = context.open(ConsistencyToken.empty(), t -> {})) {
                assertThat(context.current().isEmpty()).isTrue();
            }
            assertThat(context.current()).isEqualTo(s.token());
        }
        assertThat(changes).hasSize(1);
        assertThat(context.current().isEmpty()).isTrue();
    }
}
