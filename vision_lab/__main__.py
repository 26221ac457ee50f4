from vision_lab.cli import main

# Guarded: the GUI's training process is started with multiprocessing's "spawn", which imports the
# parent's main module again under another name.
if __name__ == "__main__":
    raise SystemExit(main())
