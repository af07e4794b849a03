package io.strata.orm.differential;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Inheritance;
import jakarta.persistence.InheritanceType;
import jakarta.persistence.Table;

/** JOINED inheritance: base and subclass tables both sharded by {@code id}. */
@Entity
@Table(name = "orm_d_accounts")
@Inheritance(strategy = InheritanceType.JOINED)
public class DAccount implements Differential.Rowable {

    @Id
    private Long id;

    private String label;

    protected DAccount() {}

    public DAccount(long id, String label) {
        this.id = id;
        this.label = label;
    }

    public Long getId() {
        return id;
    }

    public String getLabel() {
        return label;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "[" + id + "," + label + extra() + "]";
    }

    String extra() {
        return "";
    }
}
