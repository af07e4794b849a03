package io.strata.orm.differential;

import jakarta.persistence.Column;
import jakarta.persistence.DiscriminatorColumn;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.Table;
import java.math.BigDecimal;

/** SINGLE_TABLE inheritance on a table sharded by {@code customer_id}. */
@Entity
@Table(name = "orm_d_payments")
@Inheritance(strategy = InheritanceType.SINGLE_TABLE)
@DiscriminatorColumn(name = "kind")
public abstract class DPayment implements Differential.Rowable {

    @Id
    private Long id;

    @Column(name = "customer_id", nullable = false)
    private long customerId;

    @Column(precision = 12, scale = 2, nullable = false)
    private BigDecimal amount;

    protected DPayment() {}

    protected DPayment(long id, long customerId, BigDecimal amount) {
        this.id = id;
        this.customerId = customerId;
        this.amount = amount;
    }

    public Long getId() {
        return id;
    }

    public long getCustomerId() {
        return customerId;
    }

    public BigDecimal getAmount() {
        return amount;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "[" + id + "," + customerId + "," + amount + "," + detail() + "]";
    }

    abstract String detail();
}
