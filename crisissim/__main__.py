from crisissim.cli import run

run()
