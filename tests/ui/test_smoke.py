from tests.ui.conftest import wait_idle


def test_every_page_opens(qtbot, console):
    for page_id in console.window.pages:
        console.window.show_page(page_id)
        wait_idle(qtbot, console.ctx.ops)
    assert console.window.pages["users"].model.rowCount() == 1
