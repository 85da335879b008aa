package com.acme.loans.web;

public record Response(int status, String body) {
    public static Response badRequest(String message) { return new Response(400, message); }
    public static Response created(String location) { return new Response(201, location); }
    public static Response ok(String body) { return new Response(200, body); }
}
