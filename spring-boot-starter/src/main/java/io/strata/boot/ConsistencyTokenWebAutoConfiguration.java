package io.strata.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * Read-your-writes across HTTP requests in a servlet application: the {@link ConsistencyTokenFilter}
 * on every request, and the {@link ConsistencyTokenInterceptor} on every {@code RestClient} and
 * {@code RestTemplate} Boot builds, so that the token follows a user to the next request and a
 * call to another service. {@code strata.consistency-token.enabled=false} turns it off.
 */
@AutoConfiguration(after = StrataAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.web.filter.OncePerRequestFilter"})
@ConditionalOnBean(ConsistencyTokenContext.class)
@ConditionalOnProperty(prefix = "strata.consistency-token", name = "enabled", matchIfMissing = true)
public class ConsistencyTokenWebAutoConfiguration {

    /** Creates the auto-configuration (Spring does). */
    public ConsistencyTokenWebAutoConfiguration() {}

    /** The filter, early in the chain so every later filter's and handler's connections are covered. */
    @Bean
    public FilterRegistrationBean<ConsistencyTokenFilter> strataConsistencyTokenFilter(
            ConsistencyTokenContext context, StrataProperties properties) {
        FilterRegistrationBean<ConsistencyTokenFilter> bean =
                new FilterRegistrationBean<>(new ConsistencyTokenFilter(context, properties.getConsistencyToken()));
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return bean;
    }

    /** Adds the token to calls through Boot's {@code RestClient.Builder}. */
    @Bean
    @ConditionalOnClass(name = "org.springframework.web.client.RestClient")
    public org.springframework.boot.web.client.RestClientCustomizer strataConsistencyTokenRestClientCustomizer(
            ConsistencyTokenContext context, StrataProperties properties) {
        ConsistencyTokenInterceptor interceptor = new ConsistencyTokenInterceptor(
                context, properties.getConsistencyToken().getHeader());
        return builder -> builder.requestInterceptor(interceptor);
    }

    /** Adds the token to calls through Boot's {@code RestTemplateBuilder}. */
    @Bean
    public org.springframework.boot.web.client.RestTemplateCustomizer strataConsistencyTokenRestTemplateCustomizer(
            ConsistencyTokenContext context, StrataProperties properties) {
        ConsistencyTokenInterceptor interceptor = new ConsistencyTokenInterceptor(
                context, properties.getConsistencyToken().getHeader());
        return template -> template.getInterceptors().add(interceptor);
    }
}
