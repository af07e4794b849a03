package io.strata.orm.differential;

import jakarta.persistence.DiscriminatorValue;
import jakarta.persistence.Entity;
import java.math.BigDecimal;

/** A card payment (discriminator {@code CARD}). */
@Entity
@DiscriminatorValue("CARD")
public class DCardPayment extends DPayment {

    private String last4;

    protected DCardPayment() {}

    public DCardPayment(long id, long customerId, BigDecimal amount, String last4) {
        super(id, customerId, amount);
        this.last4 = last4;
    }

    @Override
    String detail() {
        return last4;
    }
}
