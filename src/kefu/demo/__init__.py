"""The demo service center (演示数据): `kefu.demo.data.load_demo` and the `kefu_demo` command."""
