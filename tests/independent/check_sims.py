#!/usr/bin/env python3
"""Independent client check of facebench's instrument simulators.

Starts each simulator with `BINARY sim ...` (it prints `pty: /dev/pts/N` or `tcp: HOST:PORT` on
its first line), then talks to it with published client libraries, not with facebench's own
drivers: pymodbus for Modbus RTU and TCP, pyserial for the ASCII protocols and raw RTU frames.

Usage: check_sims.py BINARY
Prints one line per check, then "N passed, M failed"; exits 1 when any check failed.

Requirements (tested with these versions):
    pip install pymodbus==3.16.1 pyserial==3.5
"""

import signal
import socket
import subprocess
import sys
import time

import serial
from pymodbus.client import ModbusSerialClient, ModbusTcpClient

RESULTS = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    """Records one check."""
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else f': {detail}'}")


class Sim:
    """A running `BINARY sim ...`; `where` is the pty path or (host, port)."""

    def __init__(self, binary, *args):
        self.proc = subprocess.Popen(
            [binary, "sim", *args], stdout=subprocess.PIPE, text=True
        )
        first = self.proc.stdout.readline().strip()
        if first.startswith("pty: "):
            self.where = first[len("pty: "):]
        elif first.startswith("tcp: "):
            host, port = first[len("tcp: "):].rsplit(":", 1)
            self.where = (host, int(port))
        else:
            self.stop()
            raise RuntimeError(f"`sim {' '.join(args)}` printed {first!r}")

    def stop(self):
        """Ctrl-C, as a user stops it; killed if it does not end."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def crc16(data):
    """CRC-16/MODBUS, written here from the Modbus serial-line specification."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def rtu(data):
    return bytes(data) + crc16(bytes(data))


def ask_line(port, text, terminator=b"\n"):
    """Writes one request line and reads one reply line."""
    port.reset_input_buffer()
    port.write(text.encode())
    return port.read_until(terminator).decode(errors="replace")


def serial_client(path):
    client = ModbusSerialClient(port=path, baudrate=9600, timeout=1, retries=0)
    if not client.connect():
        raise RuntimeError(f"pymodbus cannot open {path}")
    return client


def modbus_rtu_checks(binary, protocol, pv_address, sp_address, scale):
    """Read and write holding registers with pymodbus on an RTU chamber."""
    with Sim(binary, "chamber", "--protocol", protocol) as sim:
        client = serial_client(sim.where)
        try:
            pv = client.read_holding_registers(pv_address, count=1, device_id=1)
            check(
                f"{protocol}: pymodbus reads PV (register {pv_address}) = 23.0",
                not pv.isError() and pv.registers == [int(23.0 * scale)],
                pv,
            )
            wrote = client.write_register(sp_address, int(40.0 * scale), device_id=1)
            check(f"{protocol}: pymodbus writes SP (register {sp_address})", not wrote.isError(), wrote)
            back = client.read_holding_registers(sp_address, count=1, device_id=1)
            check(
                f"{protocol}: the written SP reads back",
                not back.isError() and back.registers == [int(40.0 * scale)],
                back,
            )
            bad = client.read_holding_registers(7777, count=1, device_id=1)
            check(
                f"{protocol}: an unknown register is exception 02",
                bad.isError() and getattr(bad, "exception_code", None) == 2,
                bad,
            )
            coils = client.read_coils(0, count=1, device_id=1)
            check(
                f"{protocol}: read coils (a function it lacks) is exception 01",
                coils.isError() and getattr(coils, "exception_code", None) == 1,
                coils,
            )
        finally:
            client.close()
        with serial.Serial(sim.where, 9600, timeout=1) as port:
            port.write(rtu([0x01, 0x41, 0x00]))
            reply = port.read(5)
            check(
                f"{protocol}: user function 0x41 (raw frame) is exception 01",
                reply == rtu([0x01, 0xC1, 0x01]),
                reply.hex(" "),
            )
            port.timeout = 0.3
            port.write(rtu([0x02, 0x41, 0x00]))
            reply = port.read(5)
            check(f"{protocol}: another slave's request is not answered", reply == b"", reply.hex(" "))


def modbus_tcp_checks(binary):
    """Unit id 0xFF on Modbus TCP."""
    with Sim(binary, "chamber", "--protocol", "watlow-f4", "--tcp", "0", "--modbus-tcp") as sim:
        host, port = sim.where
        client = ModbusTcpClient(host, port=port, timeout=1, retries=0)
        try:
            check("modbus tcp: pymodbus connects", client.connect())
            model = client.read_holding_registers(0, count=1, device_id=0xFF)
            check(
                "modbus tcp: unit id 0xFF is answered (model 5270)",
                not model.isError() and model.registers == [5270],
                model,
            )
            model = client.read_holding_registers(0, count=1, device_id=1)
            check(
                "modbus tcp: unit id 1 is answered",
                not model.isError() and model.registers == [5270],
                model,
            )
        finally:
            client.close()


def espec_checks(binary):
    """ESPEC acknowledgements and queries over pyserial."""
    with Sim(binary, "chamber", "--protocol", "espec") as sim:
        with serial.Serial(sim.where, 9600, timeout=1) as port:
            got = ask_line(port, "MODE?\r\n")
            check("espec: a lone chamber is in constant mode", got == "CONSTANT\r\n", repr(got))
            got = ask_line(port, "TEMP, S30.0\r\n")
            check("espec: TEMP, S30.0 is acknowledged OK:TEMP, S30.0", got == "OK:TEMP, S30.0\r\n", repr(got))
            got = ask_line(port, "TEMP?\r\n")
            check("espec: TEMP? shows the new set point", got.startswith("23.0,30.0,"), repr(got))
            got = ask_line(port, "HUMI,S60\r\n")
            check("espec: HUMI,S60 is acknowledged OK:HUMI,S60", got == "OK:HUMI,S60\r\n", repr(got))
            got = ask_line(port, "RUN PRGM, TEMP30.0 TIME1:00\r\n")
            check("espec: RUN PRGM is acknowledged", got == "OK:RUN PRGM, TEMP30.0 TIME1:00\r\n", repr(got))
            got = ask_line(port, "MODE?,DETAIL\r\n")
            check("espec: MODE?,DETAIL is RMT RUN during a remote program", got == "RMT RUN\r\n", repr(got))
            got = ask_line(port, "PRGM, END, CONST\r\n")
            check("espec: PRGM, END, CONST is accepted", got == "OK:PRGM, END, CONST\r\n", repr(got))
            got = ask_line(port, "MODE, STANDBY\r\n")
            got = ask_line(port, "HUMI?\r\n")
            check("espec: HUMI? shows the set point in standby", got.split(",")[1:2] == ["60"], repr(got))
            got = ask_line(port, "BREW?\r\n")
            check("espec: an unknown command is NA:CMD ERR", got == "NA:CMD ERR\r\n", repr(got))
    with Sim(binary, "chamber", "--protocol", "espec", "--no-humidity") as sim:
        with serial.Serial(sim.where, 9600, timeout=1) as port:
            got = ask_line(port, "HUMI, SOFF\r\n")
            check(
                "espec --no-humidity: HUMI, SOFF is NA:CONT NOT READY-1",
                got == "NA:CONT NOT READY-1\r\n",
                repr(got),
            )
            got = ask_line(port, "MON?\r\n")
            check("espec --no-humidity: MON? has an empty humidity field", got == "23.0,,CONSTANT,0\r\n", repr(got))


def scpi_checks(binary):
    """SCPI logger queries with spaces, the resolution argument and status queries."""
    with Sim(binary, "thermal", "--channels", "3") as sim:
        with serial.Serial(sim.where, 9600, timeout=1) as port:
            got = ask_line(port, "MEAS:TEMP? TC, K, (@101:103)\n")
            check(
                "scpi: MEAS:TEMP? TC, K, (@101:103) gives three readings",
                len(got.strip().split(",")) == 3 and got.startswith("+2.5"),
                repr(got),
            )
            got = ask_line(port, "MEAS:TEMP? TC,K,1,DEF,(@101)\n")
            check("scpi: MEAS:TEMP? TC,K,1,DEF,(@101) gives one reading", got.startswith("+2.5") and "," not in got, repr(got))
            got = ask_line(port, "*ESR?\n")
            check("scpi: *ESR? is 0 before any error", got == "0\n", repr(got))
            port.write(b"NOT:A:COMMAND\n")
            time.sleep(0.1)
            got = ask_line(port, "*STB?\n")
            check("scpi: *STB? shows the error queue bit after a bad command", got == "4\n", repr(got))
            got = ask_line(port, "*ESR?\n")
            check("scpi: *ESR? shows the command error bit", got == "32\n", repr(got))
            got = ask_line(port, "SYST:ERR?\n")
            check("scpi: SYST:ERR? names the error", got.startswith("-113,"), repr(got))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    for name, run in [
        ("temi", lambda: modbus_rtu_checks(binary, "temi", 0, 101, 10)),
        ("watlow-f4", lambda: modbus_rtu_checks(binary, "watlow-f4", 100, 300, 10)),
        ("modbus tcp", lambda: modbus_tcp_checks(binary)),
        ("espec", lambda: espec_checks(binary)),
        ("scpi", lambda: scpi_checks(binary)),
    ]:
        try:
            run()
        except Exception as error:  # a simulator that does not start is a failed check
            check(f"{name}: runs", False, repr(error))
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
