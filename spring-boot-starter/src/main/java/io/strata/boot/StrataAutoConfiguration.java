package io.strata.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.strata.router.Driver;
import io.strata.router.ShardingDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Strata as the application's {@link DataSource}, before Boot's own DataSource auto-configuration
 * (which then backs off, so no HikariCP pool is wrapped around Strata's per-node pools). Applies
 * when {@code spring.datasource.url} is a {@code jdbc:strata:} URL or {@code strata.shards} is set
 * (not both), and no DataSource bean is defined. The router's, every shard's replication and every
 * node pool's meters go to the application's {@link MeterRegistry}; the router's observations (one per
 * logical statement, one child per shard call) to the application's {@link ObservationRegistry}
 * when it has one.
 */
@AutoConfiguration(
        beforeName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        afterName = {
            "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.export.prometheus.PrometheusMetricsExportAutoConfiguration"
        })
@ConditionalOnClass(ShardingDataSource.class)
@ConditionalOnProperty(prefix = "strata", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(StrataProperties.class)
public class StrataAutoConfiguration {

    /** Creates the auto-configuration (Spring does). */
    public StrataAutoConfiguration() {}

    /** The per-thread consistency token that read-your-writes across requests uses. */
    @Bean
    @ConditionalOnMissingBean
    public ConsistencyTokenContext strataConsistencyTokenContext() {
        return new ConsistencyTokenContext();
    }

    /** The application's DataSource: Strata's, from {@code spring.datasource.url} or {@code strata.*}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(DataSource.class)
    @Conditional(OnStrataConfigured.class)
    public StrataDataSource dataSource(
            StrataProperties properties,
            Environment environment,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<ObservationRegistry> observationRegistry,
            ConsistencyTokenContext tokens) {
        String url = environment.getProperty("spring.datasource.url");
        boolean byUrl = url != null && url.startsWith(Driver.PREFIX);
        if (byUrl && PropertiesYaml.configured(properties)) {
            throw new IllegalStateException("Strata is configured twice: spring.datasource.url=" + url
                    + " and strata.shards; keep one (the URL's YAML, or the strata.* properties)");
        }
        MeterRegistry meters = registry.getIfAvailable(CompositeMeterRegistry::new);
        ObservationRegistry observations = observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP);
        ShardingDataSource sharding;
        try {
            sharding = byUrl && url != null
                    ? ShardingDataSource.fromUrl(url, meters, observations)
                    : ShardingDataSource.fromYamlText(
                            PropertiesYaml.toYaml(properties), "Spring properties strata.*", meters, observations);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " [SQLState " + e.getSQLState() + "]", e);
        }
        return new StrataDataSource(sharding, properties.getConsistencyToken().isEnabled() ? tokens : null);
    }

    /** True when spring.datasource.url is jdbc:strata: or strata.shards is configured. */
    static final class OnStrataConfigured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment env = context.getEnvironment();
            String url = env.getProperty("spring.datasource.url");
            if (url != null && url.startsWith(Driver.PREFIX)) {
                return ConditionOutcome.match("spring.datasource.url is a jdbc:strata: URL");
            }
            if (env.containsProperty("strata.shards[0].name") || env.containsProperty("strata.shards[0].primary")) {
                return ConditionOutcome.match("strata.shards is configured");
            }
            return ConditionOutcome.noMatch("neither a jdbc:strata: spring.datasource.url nor strata.shards");
        }
    }
}
