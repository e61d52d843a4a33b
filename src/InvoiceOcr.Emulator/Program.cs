// Placeholder entry point; the emulator is built under its own issue.
return 0;
