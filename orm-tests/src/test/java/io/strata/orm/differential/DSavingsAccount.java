package io.strata.orm.differential;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.math.BigDecimal;

/** The JOINED subclass, in {@code orm_d_savings} (sharded by {@code id}). */
@Entity
@Table(name = "orm_d_savings")
public class DSavingsAccount extends DAccount {

    @Column(precision = 5, scale = 3)
    private BigDecimal rate;

    protected DSavingsAccount() {}

    public DSavingsAccount(long id, String label, BigDecimal rate) {
        super(id, label);
        this.rate = rate;
    }

    @Override
    String extra() {
        return "," + rate;
    }
}
