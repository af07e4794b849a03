package io.strata.sample.boot;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Customers: writes in read-write transactions, reads in read-only ones (so replicas serve them). */
@Service
public class CustomerService {

    private final CustomerRepository repository;
    private final AtomicLong loads = new AtomicLong();

    /** The service over {@code repository}. */
    public CustomerService(CustomerRepository repository) {
        this.repository = repository;
    }

    /** Creates or renames a customer (evicting its cached view). */
    @Transactional
    @CacheEvict(cacheNames = "customers", key = "#id")
    public CustomerView save(long id, String name) {
        Customer c = repository.findById(id).orElseGet(() -> new Customer(id, name));
        c.setName(name);
        repository.save(c);
        return new CustomerView(id, name);
    }

    /** Reads a customer in a read-only transaction: a replica answers, fresh enough for the token. */
    @Transactional(readOnly = true)
    public Optional<CustomerView> find(long id) {
        return repository.findById(id).map(CustomerService::view);
    }

    /** As {@link #find}, through the tiered cache {@code customers}. */
    @Cacheable(cacheNames = "customers", key = "#id", unless = "#result == null")
    @Transactional(readOnly = true)
    public @org.jspecify.annotations.Nullable CustomerView cached(long id) {
        loads.incrementAndGet();
        return repository.findById(id).map(CustomerService::view).orElse(null);
    }

    /** How many times {@link #cached} went to the database. */
    public long loads() {
        return loads.get();
    }

    private static CustomerView view(Customer c) {
        return new CustomerView(java.util.Objects.requireNonNull(c.getId()), String.valueOf(c.getName()));
    }
}
