// The precompiled-header targets need one source file to exist; this one defines nothing.
