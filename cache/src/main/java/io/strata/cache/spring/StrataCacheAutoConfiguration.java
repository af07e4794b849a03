package io.strata.cache.spring;

import io.strata.cache.TieredCache;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration: when the application defines {@link TieredCache} beans and no
 * {@link CacheManager}, a {@link StrataCacheManager} over all of them (and Boot's own cache
 * auto-configuration backs off). Caching itself still needs {@code @EnableCaching}.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration")
@ConditionalOnClass({CacheManager.class, TieredCache.class})
@ConditionalOnBean(TieredCache.class)
@ConditionalOnMissingBean(CacheManager.class)
public class StrataCacheAutoConfiguration {

    /** The manager over every {@link TieredCache} bean, each under its cache name. */
    @Bean
    public StrataCacheManager cacheManager(ObjectProvider<TieredCache<?, ?>> caches) {
        return StrataCacheManager.of(caches.orderedStream().toList());
    }
}
