package io.strata.sample.boot;

import org.springframework.data.jpa.repository.JpaRepository;

/** Spring Data JPA, unchanged: Strata routes each statement by the customer's id. */
public interface CustomerRepository extends JpaRepository<Customer, Long> {}
