"""DVCFileSystem (`dvc ls`, the API's open): a database is one leaf entry,
reading it points to dvc_dolt.api, copying it is refused."""

from __future__ import annotations

from types import ModuleType

from dvc_dolt.dvc.plug.undo import Unsupported, guard, replace, wrap


def patch_fs_dvc(module: ModuleType) -> None:
    cls = module._DVCFileSystem
    if "walk" in vars(cls):
        # walk_with post-processes fsspec's generic walk, which lists through ls.
        raise Unsupported("dvc.fs.dvc._DVCFileSystem defines its own walk")

    def make_ls(ls):
        def ls_(self, path, detail=True, dvc_only=False, **kwargs):
            from dvc_dolt.dvc.views.listing import ls_with

            return ls_with(ls, self, path, detail=detail, dvc_only=dvc_only, **kwargs)

        return ls_

    def make_info(info):
        def info_(self, path, **kwargs):
            from dvc_dolt.dvc.views.listing import info_with

            return info_with(info, self, path, **kwargs)

        return info_

    def make_walk(walk):
        def walk_(self, path, *args, **kwargs):
            from dvc_dolt.dvc.views.listing import walk_with

            return walk_with(walk, self, path, *args, **kwargs)

        return walk_

    def make_refusing(method):
        def refusing(self, path, *args, **kwargs):
            from dvc_dolt.dvc.views.listing import refuse_read

            refuse_read(self, path)
            return method(self, path, *args, **kwargs)

        return refusing

    wrap(cls, "ls", make_ls)
    wrap(cls, "info", make_info)
    wrap(cls, "_open", make_refusing)
    wrap(cls, "get_file", make_refusing)
    walk = cls.walk  # fsspec's, inherited
    replace(cls, "walk", guard(walk, make_walk(walk)))

    def make_get(get):
        def get_(self, rpath, *args, **kwargs):
            from dvc_dolt.dvc.views.listing import refuse_copy

            refuse_copy(self, rpath)
            return get(self, rpath, *args, **kwargs)

        return get_

    get = cls.get  # DVC's own since 3.5x, fsspec's before
    replace(cls, "get", guard(get, make_get(get)))
