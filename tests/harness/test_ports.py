"""``free_ports``: the ports one stack needs are different from each other and free to bind.
Asked one at a time, the kernel may hand back a port it has just given (about once in 20,000
pairs here): a web process once was told to listen where the stack's fake already did."""

from __future__ import annotations

import socket

from harness.ports import LOOPBACK, free_ports


def test_the_ports_asked_together_are_all_different() -> None:
    for _ in range(2000):
        ports = free_ports(4)
        assert len(set(ports)) == 4, ports


def test_each_port_can_be_bound_once_given() -> None:
    ports = free_ports(3)
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in ports]
    try:
        for sock, port in zip(sockets, ports, strict=True):
            sock.bind((LOOPBACK, port))
    finally:
        for sock in sockets:
            sock.close()


def test_none_asked_gives_none() -> None:
    assert free_ports(0) == []
