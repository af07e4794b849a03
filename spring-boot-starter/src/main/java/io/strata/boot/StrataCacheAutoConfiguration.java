package io.strata.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.TieredCacheBuilder;
import io.strata.cache.spring.StrataCacheManager;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cache.CacheManager;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Tiered caches from {@code strata.cache.caches.<name>.*}, each a {@link TieredCache} bean named
 * {@code strataCache.<name>} built with the application's {@link MeterRegistry}, and a
 * {@link StrataCacheManager} over every {@link TieredCache} bean (unless the application defines a
 * {@link CacheManager}), so that {@code @EnableCaching} + {@code @Cacheable("name")} run on them.
 * Runs before Boot's cache auto-configuration, which then backs off.
 *
 * <pre>
 * strata.cache.redis-uri=redis://localhost:6379
 * strata.cache.caches.products.tiers=local,redis
 * strata.cache.caches.products.key-type=java.lang.Long
 * strata.cache.caches.products.value-type=com.example.Product
 * strata.cache.caches.products.expire-after-write=5m
 * </pre>
 */
@AutoConfiguration(
        beforeName = {
            "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration",
            "io.strata.cache.spring.StrataCacheAutoConfiguration"
        },
        after = StrataAutoConfiguration.class)
@ConditionalOnClass({TieredCache.class, CacheManager.class})
public class StrataCacheAutoConfiguration {

    /** Creates the auto-configuration (Spring does). */
    public StrataCacheAutoConfiguration() {}

    /** Registers one {@link TieredCache} bean per configured cache. */
    @Bean
    public static BeanDefinitionRegistryPostProcessor strataCacheRegistrar() {
        return new Registrar();
    }

    /** A manager over every {@link TieredCache} bean. */
    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    @org.springframework.context.annotation.Conditional(OnStrataCaches.class)
    public StrataCacheManager cacheManager(ObjectProvider<TieredCache<?, ?>> caches) {
        return StrataCacheManager.of(caches.orderedStream().toList());
    }

    /** Builds a configured cache; the bean factory calls it through the registered definition. */
    static TieredCache<?, ?> build(
            String name,
            StrataProperties.CacheSpec spec,
            ConfigurableListableBeanFactory beans,
            Environment environment) {
        MeterRegistry registry = beans.getBeanProvider(MeterRegistry.class).getIfAvailable(CompositeMeterRegistry::new);
        @SuppressWarnings("unchecked")
        TieredCacheBuilder<Object, Object> b = TieredCache.builder(
                        name, (Class<Object>) spec.getKeyType(), (Class<Object>) spec.getValueType())
                .expireAfterWrite(spec.getExpireAfterWrite())
                .tierTimeout(spec.getTierTimeout())
                .meterRegistry(registry);
        for (String tier : spec.getTiers()) {
            switch (tier.trim().toLowerCase(Locale.ROOT)) {
                case "local" ->
                    b.tier(LocalTier.builder()
                            .maximumSize(spec.getMaximumSize())
                            .expireAfterWrite(spec.getExpireAfterWrite())
                            .build());
                case "redis" -> b.tier(RemoteTiers.redis(name, beans, environment));
                case "hazelcast" -> b.tier(RemoteTiers.hazelcast(name, beans));
                default ->
                    throw new IllegalStateException("strata.cache.caches." + name + ".tiers: '" + tier
                            + "' is not a tier; use local, hazelcast or redis");
            }
        }
        return b.build();
    }

    private static final class Registrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {
        private Environment environment = new org.springframework.core.env.StandardEnvironment();

        @Override
        public void setEnvironment(Environment environment) {
            this.environment = environment;
        }

        @Override
        public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
            Map<String, StrataProperties.CacheSpec> specs = Binder.get(environment)
                    .bind("strata.cache.caches", Bindable.mapOf(String.class, StrataProperties.CacheSpec.class))
                    .orElse(Map.of());
            if (!(registry instanceof ConfigurableListableBeanFactory beans)) {
                return;
            }
            for (Map.Entry<String, StrataProperties.CacheSpec> e : specs.entrySet()) {
                String name = e.getKey();
                StrataProperties.CacheSpec spec = e.getValue();
                RootBeanDefinition def = new RootBeanDefinition(TieredCache.class);
                def.setInstanceSupplier(() -> build(name, spec, beans, environment));
                def.setDestroyMethodName("close");
                registry.registerBeanDefinition("strataCache." + name, def);
            }
        }

        @Override
        public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {}
    }
}
