#pragma once
// Deliberate CPU faults, requested with the platform word platform.fault=KIND, so tests
// can check that the page tables enforce what they should and that every kind of fault
// is reported (exception_report.cc) instead of resetting the machine.
//   null            read address 0 (low memory is unmapped)
//   write-rodata    write to the kernel's read-only data
//   execute-data    jump into the kernel's writable data (NX)
//   stack-overflow  recurse into the boot stack's guard page (needs the fault stack)
//   invalid-opcode  ud2
//   divide          integer division by zero
namespace tessera::vm::fault_injection {

// Remembers KIND (the text after "platform.fault="); false when unknown.
bool select(const char* kind, unsigned length);
// Triggers the selected fault, if any; returns only when none was selected.
void trigger_selected();

}  // namespace tessera::vm::fault_injection
