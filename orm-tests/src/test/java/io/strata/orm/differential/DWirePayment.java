package io.strata.orm.differential;

import jakarta.persistence.DiscriminatorValue;
import jakarta.persistence.Entity;
import java.math.BigDecimal;

/** A wire payment (discriminator {@code WIRE}). */
@Entity
@DiscriminatorValue("WIRE")
public class DWirePayment extends DPayment {

    private String iban;

    protected DWirePayment() {}

    public DWirePayment(long id, long customerId, BigDecimal amount, String iban) {
        super(id, customerId, amount);
        this.iban = iban;
    }

    @Override
    String detail() {
        return iban;
    }
}
