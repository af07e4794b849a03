package io.strata.boot;

import io.strata.router.Driver;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Sets {@code spring.datasource.driver-class-name=io.strata.router.Driver} when
 * {@code spring.datasource.url} is a {@code jdbc:strata:} URL and no driver class is set, so that
 * whatever in Boot still derives a driver from the URL (DataSourceBuilder, Flyway or Liquibase given
 * the URL) finds Strata's instead of failing with "Failed to determine a suitable driver class".
 */
public final class StrataDriverEnvironmentPostProcessor implements EnvironmentPostProcessor {

    /** Created by Spring Boot from {@code META-INF/spring.factories}. */
    public StrataDriverEnvironmentPostProcessor() {}

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty("spring.datasource.url");
        if (url != null
                && url.startsWith(Driver.PREFIX)
                && !environment.containsProperty("spring.datasource.driver-class-name")) {
            environment
                    .getPropertySources()
                    .addLast(new MapPropertySource(
                            "strataDriver", Map.of("spring.datasource.driver-class-name", Driver.class.getName())));
        }
    }
}
