package io.strata.sample.boot;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.jspecify.annotations.Nullable;

/** A customer, sharded by its id ({@code tables.customers: { sharded: id, type: bigint }}). */
@Entity
@Table(name = "customers")
public class Customer {

    @Id
    private @Nullable Long id;

    private @Nullable String name;

    /** For JPA. */
    protected Customer() {}

    /** A customer with an application-assigned id. */
    public Customer(long id, String name) {
        this.id = id;
        this.name = name;
    }

    /** The id (the shard key). */
    public @Nullable Long getId() {
        return id;
    }

    /** The name. */
    public @Nullable String getName() {
        return name;
    }

    /** Renames the customer. */
    public void setName(String name) {
        this.name = name;
    }
}
