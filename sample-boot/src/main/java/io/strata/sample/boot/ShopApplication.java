package io.strata.sample.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * A Spring Boot service on Strata: Spring Data JPA over {@code jdbc:strata:} (customers sharded by
 * id), {@code @Cacheable} on a tiered cache (Caffeine + Redis) from {@code strata.cache.*}, and
 * read-your-writes carried in the {@code Strata-Consistency-Token} header between requests and
 * instances. Configuration: {@code application.yaml} and the router YAML it names.
 */
@SpringBootApplication
@EnableCaching
public class ShopApplication {

    /** Starts the service. */
    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
