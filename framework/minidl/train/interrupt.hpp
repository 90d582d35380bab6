#pragma once
// Graceful Ctrl-C for training programs. The first SIGINT or SIGTERM only raises a flag: the
// program finishes its current step, saves, and exits (Trainer::stop_requested polls the flag). A
// second one ends the process at once with status 130; every file minidl writes is replaced
// atomically, so what is on disk stays whole.

namespace minidl {

/// Installs the SIGINT and SIGTERM handlers described above (idempotent).
void install_interrupt_handlers();
/// True once a first SIGINT or SIGTERM has arrived.
bool interrupt_requested();
/// The signal that raised the flag (SIGINT or SIGTERM), 0 before any.
int interrupt_signal();
/// Clears the flag (tests, or a program that trains several times).
void clear_interrupt();

}  // namespace minidl
