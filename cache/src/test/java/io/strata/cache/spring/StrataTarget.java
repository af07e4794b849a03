package io.strata.cache.spring;

/** The backend as the target of a Strata proxy. */
public class StrataTarget extends LibraryBackend implements StrataLibrary {}
