package dev.asmmigrate.workflows.model;

/**
 * One config-check finding, as it travels through workflow history: the rule, the object, how
 * serious, and what to do — never the object's content.
 */
public record ConfigFinding(
    String rule, boolean blocking, String kind, String namespace, String name, String message) {}
