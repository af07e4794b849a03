package io.strata.sample.boot;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PUT /customers/{id}} (body: the name), {@code GET /customers/{id}} (read-only
 * transaction, replica), {@code GET /customers/{id}/cached} ({@code @Cacheable}). Every response
 * carries the {@code Strata-Consistency-Token} header once the caller has one; sending it back makes
 * the next read, on any instance, see the caller's writes.
 */
@RestController
public class CustomerController {

    private final CustomerService customers;

    /** The controller over {@code customers}. */
    public CustomerController(CustomerService customers) {
        this.customers = customers;
    }

    /** Creates or renames a customer. */
    @PutMapping("/customers/{id}")
    public CustomerView put(@PathVariable long id, @RequestBody String name) {
        return customers.save(id, name);
    }

    /** Reads a customer (404 when absent). */
    @GetMapping("/customers/{id}")
    public ResponseEntity<CustomerView> get(@PathVariable long id) {
        return ResponseEntity.of(customers.find(id));
    }

    /** Reads a customer through the cache (404 when absent). */
    @GetMapping("/customers/{id}/cached")
    public ResponseEntity<CustomerView> cached(@PathVariable long id) {
        CustomerView v = customers.cached(id);
        return v == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(v);
    }
}
