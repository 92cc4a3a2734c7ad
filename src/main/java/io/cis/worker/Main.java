package io.cis.worker;

public final class Main {
    public static void main(String[] args) {
        System.out.println("cis-worker");
    }
}
