package io.strata.orm.differential;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.util.UUID;

/** Sharded by a {@code uuid} id (assigned), as Hibernate binds it. */
@Entity
@Table(name = "orm_d_devices")
public class DDevice implements Differential.Rowable {

    @Id
    private UUID id;

    @Version
    private int version;

    @Column(nullable = false)
    private String label;

    protected DDevice() {}

    public DDevice(UUID id, String label) {
        this.id = id;
        this.label = label;
    }

    public UUID getId() {
        return id;
    }

    public void setLabel(String label) {
        this.label = label;
    }

    @Override
    public String describe() {
        return "DDevice[" + id + ",v" + version + "," + label + "]";
    }
}
