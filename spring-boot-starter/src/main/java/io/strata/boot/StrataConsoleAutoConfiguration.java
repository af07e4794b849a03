package io.strata.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/** The {@link StrataConsoleEndpoint} when Actuator is present and Strata is the DataSource. */
@AutoConfiguration(after = StrataAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
public class StrataConsoleAutoConfiguration {

    /** Creates the auto-configuration (Spring does). */
    public StrataConsoleAutoConfiguration() {}

    /** The live console and its status JSON ({@code /actuator/strata}, {@code /actuator/strata/status}). */
    @Bean
    @ConditionalOnBean(StrataDataSource.class)
    @org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint(
            endpoint = StrataConsoleEndpoint.class)
    public StrataConsoleEndpoint strataConsoleEndpoint(
            StrataDataSource dataSource,
            ObjectProvider<MeterRegistry> registry,
            org.springframework.core.env.Environment environment) {
        String context = environment.getProperty("server.servlet.context-path", "");
        String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
        return new StrataConsoleEndpoint(
                dataSource, registry.getIfAvailable(CompositeMeterRegistry::new), context + base + "/strata");
    }
}
